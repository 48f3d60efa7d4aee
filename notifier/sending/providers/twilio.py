"""The Twilio provider: the official client, pointed at `TWILIO_API_BASE_URL`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from notifier.errors import ProviderError
from notifier.senders import MESSAGING_SERVICE
from notifier.sending.providers import OutgoingText, Receipt

REQUEST_TIMEOUT_SECONDS = 10
# Twilio answers 429 (or 20429) when it wants us slower, and 5xx when it is unwell.
RETRYABLE_CODES = frozenset({20429, 20500, 20503})


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sending every request to one base URL instead of *.twilio.com.

    A custom `http_client` is the client library's supported seam; its domains' URLs are fixed.
    It keeps a connection for each of `connections` threads sending at once: Twilio's own pool
    holds as many as the machine has cores and four, and on two cores two of eight threads
    would open (and for HTTPS shake hands on) a new connection for every text. The proxies and
    the CA bundle the environment names for the base URL are read once, at start, where
    `requests` reads every environment variable again for every request.
    """

    def __init__(self, base_url: str, *, connections: int, **kwargs: Any) -> None:
        super().__init__(pool_connections=True, **kwargs)
        self.base_url = urlsplit(base_url)
        adapter = HTTPAdapter(pool_maxsize=connections)
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, adapter)
        found = self.session.merge_environment_settings(base_url, {}, None, None, None)
        self.session.proxies.update(found["proxies"])
        self.session.verify = found["verify"]
        self.session.trust_env = False

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send to the base URL: its scheme and host, its path as a prefix, then as usual."""
        parts = urlsplit(url)
        path = self.base_url.path.rstrip("/") + parts.path
        url = urlunsplit(
            parts._replace(scheme=self.base_url.scheme, netloc=self.base_url.netloc, path=path)
        )
        return super().request(method, url, **kwargs)


class TwilioProvider:
    """Sends through Twilio's Messages API, keeping one pooled HTTP session per process."""

    name = "twilio"

    def __init__(
        self, account_sid: str, auth_token: str, api_base_url: str, *, connections: int
    ) -> None:
        self._http = BaseUrlHttpClient(
            api_base_url, connections=connections, timeout=REQUEST_TIMEOUT_SECONDS
        )
        self._client = Client(account_sid, auth_token, http_client=self._http)
        # The client imports its Messages API on first use (about 0.1 s): done here, at start,
        # so that the first text is not that late for its pacing slot.
        self._client.messages  # noqa: B018

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self._http.session.close()

    def send(self, text: OutgoingText) -> Receipt:
        """Create the message at Twilio."""
        sender = (
            {"messaging_service_sid": text.sender}
            if MESSAGING_SERVICE.match(text.sender)
            else {"from_": text.sender}
        )
        callback = {"status_callback": text.status_callback} if text.status_callback else {}
        try:
            message = self._client.messages.create(to=text.to, body=text.body, **sender, **callback)
        except TwilioRestException as error:
            raise _classify(error) from error
        except requests.RequestException as error:
            # Only a connection never made is sure not to have delivered the request.
            sure = isinstance(error, requests.ConnectTimeout) or _refused(error)
            raise ProviderError(
                f"Twilio did not answer: {error}", transient=True, ambiguous=not sure
            ) from error
        return Receipt(str(message.sid), str(message.status))

    def find_sent(self, to: str, body: str, since: datetime) -> Receipt | None:
        """Look for a text that reached Twilio although we never heard its answer."""
        try:
            found = self._client.messages.list(
                to=to, date_sent_after=since - timedelta(days=1), limit=50
            )
        except TwilioRestException as error:
            raise _classify(error) from error
        except requests.RequestException as error:
            raise ProviderError(f"Twilio did not answer: {error}", transient=True) from error
        for message in found:
            if message.body == body and message.date_created and message.date_created >= since:
                return Receipt(str(message.sid), str(message.status))
        return None


def _refused(error: requests.RequestException) -> bool:
    return isinstance(error, requests.ConnectionError) and "refused" in str(error).lower()


def _classify(error: TwilioRestException) -> ProviderError:
    transient = error.status == 429 or error.status >= 500 or error.code in RETRYABLE_CODES
    return ProviderError(
        f"Twilio refused the message: HTTP {error.status}, code {error.code}: {error.msg}",
        code=error.code,
        transient=transient,
    )
