"""The forward job: a customer's text that the service does not answer itself goes to the producer.

The queue of the number's latest ticket decides where: its `reply_webhook_url`. The request is
JSON, signed with HMAC-SHA256 under a key derived from NOTIFIER_SECRET_KEY (see
`signing_key`), over the timestamp and the body, so the producer can tell it is ours and fresh:

    X-Notifier-Timestamp: 1795881900
    X-Notifier-Signature: sha256=<hex of HMAC(key, timestamp + "." + body)>

The body carries what a producer needs to answer, and no more personal data: the reply's id,
the queue and ticket it concerns (the producer knows its own customer by them), the customer's
words and when they came. Not the phone number, nor Twilio's ids.

Only to a public https address (`notifier.inbound.destinations`), checked again before every
POST; a redirect is refused, never followed.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import requests
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from sqlalchemy import select

from notifier.inbound import destinations
from notifier.inbound.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, signing_key
from notifier.models import InboundReply, Ticket
from notifier.sending.dispatch import FORWARD
from notifier.sending.lifecycle import Priority
from notifier.services import Services
from notifier.work import JobCall
from workers.worker import services

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3
TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)
# A producer that is busy or timed out may take it later; any other 4xx will not.
RETRYABLE = frozenset({408, 429})


def forward(inbound_id: str, attempt: int = 1) -> str:
    """POST one inbound text to its queue's reply webhook; retry later if the producer fails."""
    svc = services()
    found = _payload(svc, inbound_id)
    if found is None:
        return "nothing to forward"
    url, payload = found
    allow_localhost = svc.settings.reply_webhook_allow_localhost
    # The name may point elsewhere since the URL was set: the rule holds at every POST.
    why = destinations.refusal(url, allow_localhost=allow_localhost)
    if why is not None:
        log.warning("not forwarding %s: the reply webhook %s", inbound_id, why)
        return f"refused: {why}"
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(svc.clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(signing_key(svc.settings.secret_key), timestamp, body),
    }
    try:
        with _session(allow_localhost) as http:
            status = int(http.post(url, data=body, headers=headers).status_code)
    except InvalidIPAddress:
        log.warning("not forwarding %s: the reply webhook's address is not public", inbound_id)
        return "refused: not a public address"
    except requests.RequestException as error:
        return _retry(svc, inbound_id, attempt, type(error).__name__)
    return _answered(svc, inbound_id, attempt, status)


def _session(allow_localhost: bool) -> requests.Session:
    """An HTTP session that connects only to the address it checked and follows no redirect."""
    config = Config(
        ip_filter_enable=True,
        ip_filter_allow_loopback_ips=allow_localhost,
        never_redirect=True,
        default_timeout=(CONNECT_TIMEOUT_SECONDS, TIMEOUT_SECONDS),
    )
    session: requests.Session = HTTPSession(config)
    return session


def _answered(svc: Services, inbound_id: str, attempt: int, status: int) -> str:
    """What the producer's answer means: taken, refused for good, or worth another try."""
    if status < 300:
        log.info("forwarded %s: HTTP %d", inbound_id, status)
        return f"forwarded: {status}"
    if status >= 500 or status in RETRYABLE:
        return _retry(svc, inbound_id, attempt, f"HTTP {status}")
    # A redirect is not followed: where it points was never checked.
    log.warning("the producer refused forwarded %s: HTTP %d", inbound_id, status)
    return f"refused: {status}"


def _payload(svc: Services, inbound_id: str) -> tuple[str, dict[str, Any]] | None:
    """Where to send the text and what to say; None if erased or no webhook is set."""
    with svc.db.session() as session:
        row = session.get(InboundReply, inbound_id)
        if row is None or row.phone is None:
            return None  # erased since it arrived
        ticket = session.scalar(
            select(Ticket)
            .where(Ticket.subject == row.subject)
            .order_by(Ticket.joined_at.desc())
            .limit(1)
        )
        if ticket is None or not ticket.queue.reply_webhook_url:
            return None
        payload: dict[str, Any] = {
            "id": row.id,
            "queue_id": ticket.queue_id,
            "ticket_id": ticket.ticket_id,
            "body": row.body,
            "received_at": row.received_at.isoformat(),
        }
        return ticket.queue.reply_webhook_url, payload


def _retry(svc: Services, inbound_id: str, attempt: int, why: str) -> str:
    """Try again later, a little later each time; give up after MAX_ATTEMPTS."""
    if attempt >= MAX_ATTEMPTS:
        log.warning("gave up forwarding %s after %d attempts: %s", inbound_id, attempt, why)
        return f"gave up: {why}"
    delay = RETRY_BASE * 2 ** (attempt - 1)
    svc.dispatcher.enqueue_job(JobCall(Priority.DEFAULT, FORWARD, (inbound_id, attempt + 1), delay))
    log.info("forwarding %s failed (%s); retrying in %s", inbound_id, why, delay)
    return f"retrying: {why}"
