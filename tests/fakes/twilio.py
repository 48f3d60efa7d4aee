"""A fake of Twilio's Messages API (2010-04-01), served over local HTTP for tests and load runs."""

import base64
import contextlib
import hmac
import json
import re
import secrets
import socket
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from requests import Response
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fedcba9876543210" * 2
# A Messaging Service picks a sender from its pool; the fake always picks this one.
SERVICE_SENDER = "+15005550006"
MAX_BODY_CHARS = 1600
DEFAULT_PAGE_SIZE = 50
ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/2010-04-01/Accounts/{AccountSid}/Messages.json"),
    ("GET", "/2010-04-01/Accounts/{AccountSid}/Messages.json"),
    ("GET", "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"),
)
CREATE_FIELDS = ("To", "From", "MessagingServiceSid", "Body", "StatusCallback")
LIST_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")
PAGING_PARAMS = ("PageSize", "Page", "PageToken")
STATUSES = frozenset(
    "queued sending sent failed delivered undelivered receiving received accepted scheduled"
    " read partially_delivered canceled".split()
)
ERROR_MESSAGES: dict[int, str] = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21609: "Invalid StatusCallback url",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21702: "The Messaging Service Sid is invalid.",
}
_ADDRESS = re.compile(r"^(?:[a-z]+:)?\+[1-9]\d{1,14}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRS")
_GSM |= set("TUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€\f")  # two septets each


@dataclass(frozen=True)
class ReceivedMessage:
    """A create the fake accepted, as the service asked for it."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    received_at: datetime


@dataclass(frozen=True)
class SeenRequest:
    """One HTTP request the fake answered, accepted or not."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class Webhook:
    """A signed webhook request as Twilio sends it: its URL, form fields and headers."""

    url: str
    form: dict[str, str]
    headers: dict[str, str]

    def post(self, timeout: float = 10.0) -> Response:
        """POST it, form-encoded, to its URL and return the answer."""
        return requests.post(
            self.url, data=self.form, headers=self.headers, timeout=timeout, allow_redirects=False
        )


class _Rejection(Exception):
    """A request Twilio would refuse, with its HTTP status and Twilio error code."""

    def __init__(self, status: int, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code
        self.message = message or ERROR_MESSAGES.get(code, "Error")

    def payload(self) -> dict[str, Any]:
        """Twilio's error JSON."""
        more_info = f"https://www.twilio.com/docs/errors/{self.code}"
        return {
            "code": self.code,
            "message": self.message,
            "more_info": more_info,
            "status": self.status,
        }


class FakeTwilio:
    """A local HTTP server that answers like Twilio's Messages API (2010-04-01)."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._clock = clock
        self._lock = threading.Lock()
        self._received: dict[str, ReceivedMessage] = {}
        self._resources: dict[str, dict[str, Any]] = {}  # in creation order
        self._requests: list[SeenRequest] = []
        self._failures: deque[_Rejection] = deque()
        self._hangs: deque[float] = deque()
        self._lates: deque[float] = deque()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Where the fake listens, like http://127.0.0.1:54321 (only while started)."""
        if self._server is None:
            raise RuntimeError("FakeTwilio is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every accepted create, in order."""
        with self._lock:
            return list(self._received.values())

    @property
    def requests(self) -> list[SeenRequest]:
        """Every request seen, rejected ones included, in order."""
        with self._lock:
            return list(self._requests)

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1 and answer in a background thread."""
        if self._server is not None:
            raise RuntimeError("FakeTwilio is already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio"
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening, cut open connections and join every thread; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()  # wakes a create held by hang_next
        server.shutdown()
        thread.join()
        server.drop_connections()
        server.server_close()  # joins the handler threads
        self._server = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget messages, requests and pending failures and hangs (for a fake shared by tests)."""
        with self._lock:
            self._received.clear()
            self._resources.clear()
            self._requests.clear()
            self._failures.clear()
            self._hangs.clear()
            self._lates.clear()

    def fail_next(
        self, *, status: int, code: int | None = None, message: str | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` creates with this Twilio error (code: 20000+status if unset)."""
        if status < 400:
            raise ValueError(f"status {status} is not an error")
        with self._lock:
            self._failures.extend(
                _Rejection(status, code or 20000 + status, message) for _ in range(times)
            )

    def delay_next(self, seconds: float) -> None:
        """Let the next create happen only this long after it came (a slow way in)."""
        with self._lock:
            self._lates.append(seconds)

    def hang_next(self, seconds: float) -> None:
        """Hold the answer to the next create this long; the create itself still happens."""
        with self._lock:
            self._hangs.append(seconds)

    def status_webhook(self, sid: str, status: str, *, error_code: int | None = None) -> Webhook:
        """Move the message to `status` and return the signed callback Twilio would send."""
        if status not in STATUSES:
            raise ValueError(f"{status!r} is not a Twilio message status")
        with self._lock:
            if sid not in self._received:
                raise KeyError(f"the fake accepted no message {sid}")
            received, resource = self._received[sid], self._resources[sid]
            if received.status_callback is None:
                raise ValueError(f"message {sid} was created without a StatusCallback")
            _apply_status(resource, status, error_code, self._clock())
            form = {
                "AccountSid": self.account_sid,
                "ApiVersion": API_VERSION,
                "From": resource["from"],
                "MessageSid": sid,
                "MessageStatus": status,
                "SmsSid": sid,
                "SmsStatus": status,
                "To": resource["to"],
            }
        if received.messaging_service_sid:
            form["MessagingServiceSid"] = received.messaging_service_sid
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return self._signed(received.status_callback, form)

    def send_status(self, sid: str, status: str, *, error_code: int | None = None) -> int:
        """POST a signed status callback for that message; return the HTTP status answered."""
        with self.status_webhook(sid, status, error_code=error_code).post() as response:
            return response.status_code

    def inbound_webhook(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        opt_out_type: str | None = None,
        messaging_service_sid: str | None = None,
    ) -> Webhook:
        """Record an incoming text and return the signed webhook Twilio would send for it."""
        sid = _new_sid("SM")
        resource = _resource(
            self.account_sid,
            sid,
            to=to,
            sender=from_,
            service=messaging_service_sid,
            body=body,
            status="received",
            direction="inbound",
            now=self._clock(),
        )
        with self._lock:
            self._resources[sid] = resource
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": resource["num_segments"],
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
        }
        if messaging_service_sid:
            form["MessagingServiceSid"] = messaging_service_sid
        if opt_out_type:
            form["OptOutType"] = opt_out_type
        return self._signed(url, form)

    def send_inbound(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        opt_out_type: str | None = None,
        messaging_service_sid: str | None = None,
    ) -> Response:
        """POST a signed incoming-text webhook to `url`, as Twilio does, and return the answer."""
        return self.inbound_webhook(
            url,
            from_=from_,
            to=to,
            body=body,
            opt_out_type=opt_out_type,
            messaging_service_sid=messaging_service_sid,
        ).post()

    def _signed(self, url: str, form: dict[str, str]) -> Webhook:
        """The webhook with Twilio's headers and its X-Twilio-Signature over url and form."""
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": signature,
        }
        return Webhook(url, form, headers)

    def _answer(
        self, method: str, target: str, body: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        """Route one HTTP request; return the status and JSON to answer."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        form = dict(parse_qsl(body, keep_blank_values=True))
        with self._lock:
            self._requests.append(SeenRequest(method, parts.path, query, form, headers))
        try:
            self._authenticate(headers)
            params = _route(method, parts.path)
            if params["AccountSid"] != self.account_sid:
                raise _Rejection(404, 20404, f"The requested resource {parts.path} was not found")
            if method == "POST":
                return 201, self._create(form)
            if "Sid" in params:
                return 200, self._fetch(params["Sid"], parts.path)
            return 200, self._list(parts.path, query)
        except _Rejection as rejection:
            return rejection.status, rejection.payload()

    def _authenticate(self, headers: dict[str, str]) -> None:
        """Refuse anything but HTTP Basic with this account's SID and auth token."""
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not hmac.compare_digest(given.encode(), f"Basic {expected}".encode()):
            raise _Rejection(401, 20003)

    def _create(self, form: dict[str, str]) -> dict[str, Any]:
        """Accept a message (or answer a queued failure), holding the answer if asked to."""
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
            hang = self._hangs.popleft() if self._hangs else 0.0
            late = self._lates.popleft() if self._lates else 0.0
        if late:
            self._stopping.wait(late)
        try:
            if failure is not None:
                raise failure
            return self._accept(form)
        finally:
            if hang:
                self._stopping.wait(hang)

    def _accept(self, form: dict[str, str]) -> dict[str, Any]:
        """Validate a create as Twilio does and record the new message."""
        to, body = form.get("To", ""), form.get("Body", "")
        sender, service = form.get("From") or None, form.get("MessagingServiceSid") or None
        callback = form.get("StatusCallback") or None
        _validate(to, sender, service, body, callback)
        now, sid = self._clock(), _new_sid("SM")
        status = "accepted" if service and not sender else "queued"
        resource = _resource(
            self.account_sid,
            sid,
            to=to,
            sender=sender,
            service=service,
            body=body,
            status=status,
            direction="outbound-api",
            now=now,
        )
        received = ReceivedMessage(sid, self.account_sid, to, sender, service, body, callback, now)
        with self._lock:
            self._resources[sid] = resource
            self._received[sid] = received
            return dict(resource)

    def _fetch(self, sid: str, path: str) -> dict[str, Any]:
        """One message resource, or Twilio's 404."""
        with self._lock:
            if sid not in self._resources:
                raise _Rejection(404, 20404, f"The requested resource {path} was not found")
            return dict(self._resources[sid])

    def _list(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        """One page of messages, newest first, filtered as Twilio filters them."""
        size = _int_param(query, "PageSize", DEFAULT_PAGE_SIZE, 1, 1000)
        page = _int_param(query, "Page", 0, 0, sys.maxsize)
        filters = {name: query[name] for name in LIST_FILTERS if name in query}
        with self._lock:
            found = [dict(r) for r in reversed(self._resources.values()) if _matches(r, filters)]
        first = page * size
        token = query.get("PageToken", "")
        if token.startswith("PA"):  # "after this message", as Twilio's tokens are
            sids = [r["sid"] for r in found]
            first = sids.index(token[2:]) + 1 if token[2:] in sids else len(found)
        items = found[first : first + size]

        def link(number: int, token: str | None = None) -> str:
            extra = {"PageToken": token} if token else {}
            return f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': number, **extra})}"

        more = first + size < len(found)
        start = page * size
        return {
            "end": start + max(len(items) - 1, 0),
            "first_page_uri": link(0),
            "messages": items,
            "next_page_uri": link(page + 1, "PA" + items[-1]["sid"]) if more else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": link(page - 1) if page else None,
            "start": start,
            "uri": link(page),
        }


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the fake and writes its JSON answer."""

    protocol_version = "HTTP/1.1"  # keep-alive, as api.twilio.com allows
    disable_nagle_algorithm = True  # headers and body go in two writes; don't delay the second
    server: "_Server"

    def do_GET(self) -> None:
        """Answer a GET."""
        self._serve()

    do_POST = do_PUT = do_DELETE = do_GET

    def _serve(self) -> None:
        """Read the form body, ask the fake, write the JSON answer with Twilio's headers."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        status, payload = self.server.fake._answer(
            self.command, self.path, body, dict(self.headers.items())
        )
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Twilio-Request-Id", _new_sid("RQ"))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read FakeTwilio.requests instead."""


class _Server(ThreadingHTTPServer):
    """A threaded HTTP server whose close joins every handler, idle keep-alive ones included."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeTwilio) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection, then serve it in its own thread."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget and close a finished connection."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """End every open connection, so handlers waiting on idle keep-alive ones return."""
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hung up (a client timeout, stop()); report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _route(method: str, path: str) -> dict[str, str]:
    """The path parameters of the served route this request is for, or Twilio's 404 or 405."""
    path_matches = False
    for route_method, pattern in _PATTERNS:
        found = pattern.match(path)
        if found and route_method == method:
            return found.groupdict()
        path_matches = path_matches or found is not None
    if path_matches:
        raise _Rejection(405, 20004)
    raise _Rejection(404, 20404, f"The requested resource {path} was not found")


def _pattern(template: str) -> re.Pattern[str]:
    """A regex matching a route template, capturing each {Name} as a group."""
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


_PATTERNS = [(method, _pattern(template)) for method, template in ROUTES]


def _validate(
    to: str, sender: str | None, service: str | None, body: str, callback: str | None
) -> None:
    """Refuse a create the way Twilio does, with its error codes."""
    if not to:
        raise _Rejection(400, 21604)
    if not sender and not service:
        raise _Rejection(400, 21603)
    if not body:
        raise _Rejection(400, 21602)
    if not _ADDRESS.match(to):
        raise _Rejection(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if service and not _SERVICE_SID.match(service):
        raise _Rejection(400, 21702, f"The Messaging Service Sid {service} is invalid.")
    if len(body) > MAX_BODY_CHARS:
        raise _Rejection(400, 21617)
    if callback and urlsplit(callback).scheme not in ("http", "https"):
        raise _Rejection(400, 21609, f"The StatusCallback URL {callback} is not a valid URL.")


def _resource(
    account_sid: str,
    sid: str,
    *,
    to: str,
    sender: str | None,
    service: str | None,
    body: str,
    status: str,
    direction: str,
    now: datetime,
) -> dict[str, Any]:
    """A Message resource as Twilio's API renders it."""
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
    stamp = format_datetime(now.astimezone(UTC))
    # Through a Messaging Service the sender, hence the segment count, is not known yet.
    segments = "0" if status == "accepted" else str(_segments(body))
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": stamp,
        "date_sent": stamp,
        "date_updated": stamp,
        "direction": direction,
        "error_code": None,
        "error_message": None,
        "from": sender,
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": segments,
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
        "to": to,
        "uri": uri,
    }


def _apply_status(
    resource: dict[str, Any], status: str, error_code: int | None, now: datetime
) -> None:
    """Move a resource to a new status, as a status callback reports it."""
    if resource["from"] is None:
        resource["from"] = SERVICE_SENDER
        resource["num_segments"] = str(_segments(resource["body"]))
    resource["status"] = status
    resource["date_updated"] = format_datetime(now.astimezone(UTC))
    resource["error_code"] = error_code
    resource["error_message"] = None if error_code is None else ERROR_MESSAGES.get(error_code)


def _segments(body: str) -> int:
    """How many SMS segments Twilio bills for this body (GSM-7 or UCS-2)."""
    if set(body) <= _GSM | _GSM_EXTENDED:
        units = len(body) + sum(char in _GSM_EXTENDED for char in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


def _matches(resource: dict[str, Any], filters: dict[str, str]) -> bool:
    """Whether a resource passes Twilio's To, From and DateSent list filters."""
    if "To" in filters and resource["to"] != filters["To"]:
        return False
    if "From" in filters and resource["from"] != filters["From"]:
        return False
    sent = parsedate_to_datetime(resource["date_sent"])
    for name in ("DateSent", "DateSent<", "DateSent>"):
        if name in filters and not _sent_within(sent, name, filters[name]):
            return False
    return True


def _sent_within(sent: datetime, name: str, raw: str) -> bool:
    """Compare like Twilio: by GMT day for a date (or for DateSent=), else to the second."""
    when, whole_day = _parse_when(raw)
    left: date | datetime = sent
    right: date | datetime = when
    if whole_day or name == "DateSent":
        left, right = sent.date(), when.date()
    if name == "DateSent<":
        return left <= right
    if name == "DateSent>":
        return left >= right
    return left == right


def _parse_when(raw: str) -> tuple[datetime, bool]:
    """A DateSent value (YYYY-MM-DD, ISO 8601 or RFC 2822) in UTC, and whether it is a day."""
    with contextlib.suppress(ValueError):
        return datetime.combine(date.fromisoformat(raw), time(), UTC), True
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            raise _Rejection(400, 20001, f"Invalid DateSent value: {raw}") from None
    return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)), False


def _int_param(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within bounds, or Twilio's 400."""
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise _Rejection(400, 20001, f"Invalid {name}: {query[name]}") from None
    if not low <= value <= high:
        raise _Rejection(400, 20001, f"{name} must be between {low} and {high}")
    return value


def _new_sid(prefix: str) -> str:
    """A Twilio-style SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)
