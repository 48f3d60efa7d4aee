"""The fake Twilio answers the real twilio client as Twilio does, and as Twilio's OpenAPI says."""

import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from flask import Flask, request
from jsonschema import Draft202012Validator, FormatChecker
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server

from tests.fakes.twilio import (
    CREATE_FIELDS,
    LIST_FILTERS,
    PAGING_PARAMS,
    ROUTES,
    SERVICE_SENDER,
    FakeTwilio,
    Webhook,
)

CUSTOMER = "+15551230001"
OTHER_CUSTOMER = "+15551230002"
SENDER = "+15557650000"
SERVICE = "MG" + "ab" * 16
OTHER_ACCOUNT = "AC" + "9" * 32
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
MESSAGE_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"


class BaseUrlHttpClient(TwilioHttpClient):
    """A TwilioHttpClient that sends every request to one base URL instead of *.twilio.com."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = urlsplit(base_url)

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send to the base URL: its scheme and host, its path as a prefix, then as usual."""
        parts = urlsplit(url)
        base = self.base_url
        path = base.path.rstrip("/") + parts.path
        url = urlunsplit(parts._replace(scheme=base.scheme, netloc=base.netloc, path=path))
        return super().request(method, url, **kwargs)


class Clock:
    """A settable clock for the fake, so dates in answers are known."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        """The time the fake stamps on what it does."""
        return self.now


@pytest.fixture
def clock() -> Clock:
    """The fake's clock."""
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeTwilio]:
    """A running fake Twilio, stopped after the test."""
    with FakeTwilio(clock=clock) as running:
        yield running


@pytest.fixture
def connect(fake: FakeTwilio) -> Iterator[Callable[..., Client]]:
    """Make real twilio Clients pointed at the fake; their connections close after the test."""
    opened: list[BaseUrlHttpClient] = []

    def make(
        username: str | None = None,
        password: str | None = None,
        *,
        account_sid: str | None = None,
        timeout: float = 5.0,
    ) -> Client:
        http = BaseUrlHttpClient(fake.base_url, timeout=timeout)
        opened.append(http)
        username, password = username or fake.account_sid, password or fake.auth_token
        return Client(username, password, account_sid=account_sid, http_client=http)

    yield make
    for http in opened:
        if http.session is not None:
            http.session.close()


@pytest.fixture
def client(connect: Callable[..., Client]) -> Client:
    """A real twilio Client, with the fake's credentials, pointed at the fake."""
    return connect()


def call(fake: FakeTwilio, method: str, path: str, **kwargs: Any) -> requests.Response:
    """One authenticated raw HTTP call to the fake (to read its JSON as sent)."""
    with requests.Session() as session:
        auth = (fake.account_sid, fake.auth_token)
        return session.request(method, fake.base_url + path, auth=auth, timeout=5, **kwargs)


def messages_path(fake: FakeTwilio, sid: str | None = None) -> str:
    """The fake account's Messages list path, or one message's path."""
    template = MESSAGE_PATH if sid else MESSAGES_PATH
    return template.format(AccountSid=fake.account_sid, Sid=sid)


# The fake through the real twilio client


def test_create_with_from_is_queued_and_recorded(fake: FakeTwilio, client: Client) -> None:
    message = client.messages.create(
        to=CUSTOMER, from_=SENDER, body="You are next.", status_callback="http://svc/status"
    )

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.from_, message.to) == ("queued", SENDER, CUSTOMER)
    assert (message.num_segments, message.price, message.direction) == ("1", None, "outbound-api")
    assert message.date_created == fake.messages[0].received_at
    [received] = fake.messages
    assert (received.sid, received.to, received.from_, received.body) == (
        message.sid,
        CUSTOMER,
        SENDER,
        "You are next.",
    )
    assert (received.status_callback, received.messaging_service_sid) == ("http://svc/status", None)
    assert received.account_sid == fake.account_sid


def test_create_through_messaging_service_is_accepted_without_sender(
    fake: FakeTwilio, client: Client
) -> None:
    message = client.messages.create(to=CUSTOMER, messaging_service_sid=SERVICE, body="Hello")

    assert (message.status, message.from_, message.messaging_service_sid) == (
        "accepted",
        None,
        SERVICE,
    )
    assert fake.messages[0].messaging_service_sid == SERVICE
    assert fake.messages[0].from_ is None


def test_long_or_unicode_bodies_count_segments_as_twilio_bills_them(client: Client) -> None:
    def segments(body: str) -> str:
        return str(client.messages.create(to=CUSTOMER, from_=SENDER, body=body).num_segments)

    assert (segments("a" * 160), segments("a" * 161), segments("[" * 80)) == ("1", "2", "1")
    assert (segments("é" * 160), segments("ü" * 10 + "ł"), segments("ł" * 71)) == ("1", "1", "2")


def test_fetch_returns_the_created_message(client: Client) -> None:
    created = client.messages.create(to=CUSTOMER, from_=SENDER, body="Table ready")

    fetched = client.messages(created.sid).fetch()

    assert (fetched.sid, fetched.body, fetched.status) == (created.sid, "Table ready", "queued")


def test_fetch_of_an_unknown_message_is_404_20404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "0" * 32).fetch()

    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_list_filters_by_recipient_newest_first(client: Client) -> None:
    first = client.messages.create(to=CUSTOMER, from_=SENDER, body="one")
    client.messages.create(to=OTHER_CUSTOMER, from_=SENDER, body="other")
    second = client.messages.create(to=CUSTOMER, from_=SENDER, body="two")

    listed = client.messages.list(to=CUSTOMER)

    assert [m.sid for m in listed] == [second.sid, first.sid]
    assert [m.sid for m in client.messages.list(to="+15550000000")] == []


def test_list_filters_by_date_sent_as_twilio_names_them(
    fake: FakeTwilio, client: Client, clock: Clock
) -> None:
    sids = []
    for day in (1, 2, 3):
        clock.now = datetime(2024, 6, day, 12, 0, tzinfo=UTC)
        sids.append(client.messages.create(to=CUSTOMER, from_=SENDER, body=f"day {day}").sid)

    def listed(**filters: Any) -> list[str]:
        return sorted(m.sid for m in client.messages.list(**filters))

    assert listed(date_sent_after=datetime(2024, 6, 2, 12, 0, tzinfo=UTC)) == sorted(sids[1:])
    assert listed(date_sent_before=datetime(2024, 6, 2, 11, 59, tzinfo=UTC)) == sids[:1]
    assert listed(date_sent="2024-06-02") == sids[1:2]
    assert listed(date_sent_before="2024-06-02", from_=SENDER) == sorted(sids[:2])
    assert {"DateSent>", "DateSent<", "DateSent"} <= {k for r in fake.requests for k in r.query}


def test_list_pages_are_followed_by_the_client(fake: FakeTwilio, client: Client) -> None:
    sids = [client.messages.create(to=CUSTOMER, from_=SENDER, body=str(n)).sid for n in range(5)]

    listed = client.messages.list(to=CUSTOMER, page_size=2)

    assert [m.sid for m in listed] == sids[::-1]
    pages = [r for r in fake.requests if r.method == "GET"]
    assert [r.query.get("Page") for r in pages] == [None, "1", "2"]
    assert all(r.query["PageToken"].startswith("PASM") for r in pages[1:])


@pytest.mark.parametrize(
    ("status", "code", "expected_code", "words"),
    [
        (429, None, 20429, "Too Many Requests"),
        (500, None, 20500, "Internal Server Error"),
        (503, None, 20503, "Service Unavailable"),
        (400, 21211, 21211, "Invalid 'To' Phone Number"),
        (400, 21610, 21610, "Attempt to send to unsubscribed recipient"),
        (400, 21614, 21614, "not a valid mobile number"),
    ],
)
def test_injected_failures_surface_as_twilio_rest_exception(
    fake: FakeTwilio, client: Client, status: int, code: int | None, expected_code: int, words: str
) -> None:
    fake.fail_next(status=status, code=code, times=2)

    for _ in range(2):
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to=CUSTOMER, from_=SENDER, body="Hi")
        assert (raised.value.status, raised.value.code) == (status, expected_code)
        assert words in raised.value.msg
    assert fake.messages == []
    assert client.messages.create(to=CUSTOMER, from_=SENDER, body="Hi").status == "queued"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": CUSTOMER, "from_": SENDER}, 21602),
        ({"to": CUSTOMER, "body": "Hi"}, 21603),
        ({"to": "", "from_": SENDER, "body": "Hi"}, 21604),
        ({"to": "0612345678", "from_": SENDER, "body": "Hi"}, 21211),
        ({"to": CUSTOMER, "messaging_service_sid": "MG1", "body": "Hi"}, 21702),
        ({"to": CUSTOMER, "from_": SENDER, "body": "x" * 1601}, 21617),
        ({"to": CUSTOMER, "from_": SENDER, "body": "Hi", "status_callback": "svc/s"}, 21609),
    ],
)
def test_invalid_creates_are_refused_with_twilio_codes(
    fake: FakeTwilio, client: Client, fields: dict[str, str], code: int
) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(**fields)

    assert (raised.value.status, raised.value.code) == (400, code)
    assert fake.messages == []


def test_bad_credentials_answer_401_20003(fake: FakeTwilio, connect: Callable[..., Client]) -> None:
    wrong = connect(fake.account_sid, "not-the-token")

    with pytest.raises(TwilioRestException) as raised:
        wrong.messages.create(to=CUSTOMER, from_=SENDER, body="Hi")

    assert (raised.value.status, raised.value.code) == (401, 20003)
    assert fake.messages == []
    [seen] = fake.requests
    assert (seen.method, seen.form["To"]) == ("POST", CUSTOMER)


def test_another_account_answers_404_20404(connect: Callable[..., Client]) -> None:
    elsewhere = connect(account_sid=OTHER_ACCOUNT)

    with pytest.raises(TwilioRestException) as raised:
        elsewhere.messages.create(to=CUSTOMER, from_=SENDER, body="Hi")

    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_a_hung_create_times_the_client_out_but_still_happens(
    fake: FakeTwilio, connect: Callable[..., Client]
) -> None:
    impatient = connect(timeout=0.2)
    fake.hang_next(5)

    with pytest.raises(requests.exceptions.Timeout):
        impatient.messages.create(to=CUSTOMER, from_=SENDER, body="Hi")

    assert [m.to for m in fake.messages] == [CUSTOMER]
    assert impatient.messages.create(to=CUSTOMER, from_=SENDER, body="Again").status == "queued"


def test_a_hung_failure_times_the_client_out_and_sends_nothing(
    fake: FakeTwilio, connect: Callable[..., Client]
) -> None:
    impatient = connect(timeout=0.2)
    fake.hang_next(5)
    fake.fail_next(status=503)

    with pytest.raises(requests.exceptions.Timeout):
        impatient.messages.create(to=CUSTOMER, from_=SENDER, body="Hi")

    assert fake.messages == []


def test_concurrent_creates_are_all_recorded_once(fake: FakeTwilio) -> None:
    def create(n: int) -> str:
        data = {"To": CUSTOMER, "From": SENDER, "Body": f"Hi {n}"}
        answer = call(fake, "POST", messages_path(fake), data=data)
        return str(answer.json()["sid"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        sids = list(pool.map(create, range(40)))

    assert sorted(m.sid for m in fake.messages) == sorted(sids)
    assert len(set(sids)) == 40


def test_reset_forgets_messages_requests_and_pending_failures(
    fake: FakeTwilio, client: Client
) -> None:
    client.messages.create(to=CUSTOMER, from_=SENDER, body="Hi")
    fake.fail_next(status=500)

    fake.reset()

    assert (fake.messages, fake.requests) == ([], [])
    assert client.messages.create(to=CUSTOMER, from_=SENDER, body="Hi").status == "queued"


# Webhooks


def webhook_app(auth_token: str) -> tuple[Flask, list[dict[str, Any]]]:
    """A Flask app that records each webhook and answers 204 if its signature holds, else 403."""
    app = Flask(__name__)
    received: list[dict[str, Any]] = []
    validator = RequestValidator(auth_token)

    @app.post("/twilio/<kind>")
    def receive(kind: str) -> tuple[str, int]:
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = validator.validate(request.url, request.form, signature)
        received.append({"kind": kind, "form": request.form.to_dict(), "valid": valid})
        return "", 204 if valid else 403

    return app, received


@pytest.fixture
def receiver(fake: FakeTwilio) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A live HTTP endpoint that checks Twilio signatures; yields its base URL and what it got."""
    app, received = webhook_app(fake.auth_token)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    thread.join()
    server.server_close()


def test_send_status_posts_a_callback_signed_as_twilio_signs(
    fake: FakeTwilio, client: Client, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = receiver
    sid = client.messages.create(
        to=CUSTOMER, from_=SENDER, body="Hi", status_callback=f"{url}/twilio/status"
    ).sid

    assert fake.send_status(sid, "undelivered", error_code=30003) == 204

    [callback] = received
    assert callback["valid"]
    assert callback["form"] == {
        "AccountSid": fake.account_sid,
        "ApiVersion": "2010-04-01",
        "ErrorCode": "30003",
        "From": SENDER,
        "MessageSid": sid,
        "MessageStatus": "undelivered",
        "SmsSid": sid,
        "SmsStatus": "undelivered",
        "To": CUSTOMER,
    }
    fetched = client.messages(sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_a_tampered_callback_fails_signature_validation(
    fake: FakeTwilio, client: Client, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url, _ = receiver
    sid = client.messages.create(
        to=CUSTOMER, from_=SENDER, body="Hi", status_callback=f"{url}/twilio/status"
    ).sid
    webhook = fake.status_webhook(sid, "delivered")

    forged = Webhook(webhook.url, {**webhook.form, "MessageStatus": "failed"}, webhook.headers)

    with forged.post() as answer:
        assert answer.status_code == 403
    with webhook.post() as answer:
        assert answer.status_code == 204


def test_status_of_a_service_message_names_the_service_and_its_sender(
    fake: FakeTwilio, client: Client
) -> None:
    sid = client.messages.create(
        to=CUSTOMER, messaging_service_sid=SERVICE, body="Hi", status_callback="http://svc/s"
    ).sid

    webhook = fake.status_webhook(sid, "sent")

    assert (webhook.form["MessagingServiceSid"], webhook.form["From"]) == (SERVICE, SERVICE_SENDER)
    assert "ErrorCode" not in webhook.form
    assert client.messages(sid).fetch().from_ == SERVICE_SENDER


def test_status_webhook_refuses_unknown_statuses_and_messages(
    fake: FakeTwilio, client: Client
) -> None:
    sid = client.messages.create(to=CUSTOMER, from_=SENDER, body="Hi").sid

    with pytest.raises(ValueError, match="not a Twilio message status"):
        fake.status_webhook(sid, "delivred")
    with pytest.raises(ValueError, match="without a StatusCallback"):
        fake.status_webhook(sid, "delivered")
    with pytest.raises(KeyError):
        fake.status_webhook("SM" + "0" * 32, "delivered")


def test_send_inbound_posts_an_incoming_text_signed_as_twilio_signs(
    fake: FakeTwilio, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = receiver

    with fake.send_inbound(
        f"{url}/twilio/inbound",
        from_=CUSTOMER,
        to=SENDER,
        body="STOP",
        opt_out_type="STOP",
        messaging_service_sid=SERVICE,
    ) as answer:
        assert answer.status_code == 204

    [inbound] = received
    assert inbound["valid"]
    form = inbound["form"]
    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"])
    assert form == {
        "AccountSid": fake.account_sid,
        "ApiVersion": "2010-04-01",
        "Body": "STOP",
        "From": CUSTOMER,
        "MessageSid": form["MessageSid"],
        "MessagingServiceSid": SERVICE,
        "NumMedia": "0",
        "NumSegments": "1",
        "OptOutType": "STOP",
        "SmsMessageSid": form["MessageSid"],
        "SmsSid": form["MessageSid"],
        "SmsStatus": "received",
        "To": SENDER,
    }


def test_webhooks_also_validate_through_the_flask_test_client(
    fake: FakeTwilio, client: Client
) -> None:
    app, received = webhook_app(fake.auth_token)
    sid = client.messages.create(
        to=CUSTOMER, from_=SENDER, body="Hi", status_callback="http://localhost/twilio/status"
    ).sid
    status = fake.status_webhook(sid, "delivered")
    inbound = fake.inbound_webhook(
        "http://localhost/twilio/inbound", from_=CUSTOMER, to=SENDER, body="Yes"
    )

    with app.test_client() as browser:
        for webhook in (status, inbound):
            answer = browser.post(webhook.url, data=webhook.form, headers=webhook.headers)
            assert answer.status_code == 204

    assert [r["valid"] for r in received] == [True, True]


# Contract: the fake's answers against Twilio's OpenAPI document


def openapi_document_path() -> Path:
    """Where Twilio's OpenAPI document sits: shared/twilio/ beside the repository."""
    repository = Path(__file__).resolve().parents[2]
    return (repository / ".." / "shared" / "twilio" / "twilio_api_v2010.json").resolve()


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """Twilio's OpenAPI document for API 2010-04-01; skips the test when it is absent."""
    path = openapi_document_path()
    if not path.is_file():
        pytest.skip(f"Twilio's OpenAPI document is absent (expected at {path})")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


_DOCUMENTATION_KEYS = {"description", "example", "examples", "title", "x-twilio", "nullable"}
_UNHANDLED_KEYS = {"allOf", "anyOf", "oneOf", "not", "additionalProperties", "required"}


def strict_json_schema(node: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema as JSON Schema: $refs inlined, `nullable` as a null type, and,
    because Twilio always renders every documented field, all properties required and no
    others allowed."""
    if "$ref" in node:
        return strict_json_schema(
            schemas[node["$ref"].removeprefix("#/components/schemas/")], schemas
        )
    assert not _UNHANDLED_KEYS & set(node), f"convert these keywords too: {set(node)}"
    out = {key: value for key, value in node.items() if key not in _DOCUMENTATION_KEYS}
    if "properties" in node:
        out["properties"] = {
            k: strict_json_schema(v, schemas) for k, v in node["properties"].items()
        }
        out["required"] = sorted(node["properties"])
        out["additionalProperties"] = False
    if "items" in node:
        out["items"] = strict_json_schema(node["items"], schemas)
    if node.get("nullable"):
        out["type"] = [node["type"], "null"]
        if "enum" in node:
            out["enum"] = [*node["enum"], None]
    return out


FORMATS = FormatChecker(formats=())
_RFC_2822 = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000")
_RELATIVE_URI = re.compile(r"/2010-04-01/\S+")


@FORMATS.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
def is_rfc_2822(value: object) -> bool:
    """Twilio's dates: RFC 2822 in GMT, like 'Thu, 24 Aug 2023 05:01:45 +0000'."""
    if not isinstance(value, str):
        return True
    return bool(_RFC_2822.fullmatch(value)) and parsedate_to_datetime(value).tzinfo is not None


@FORMATS.checks("phone-number")
def is_phone_number(value: object) -> bool:
    """An E.164 number, possibly behind a channel prefix like 'whatsapp:'."""
    return not isinstance(value, str) or bool(re.fullmatch(r"(?:[a-z]+:)?\+[1-9]\d{1,14}", value))


@FORMATS.checks("uri")
def is_api_uri(value: object) -> bool:
    """Twilio's list URIs are relative to https://api.twilio.com."""
    return not isinstance(value, str) or bool(_RELATIVE_URI.fullmatch(value))


@FORMATS.checks("uri-map")
def is_uri_map(value: object) -> bool:
    """A map of names to URIs relative to https://api.twilio.com."""
    if not isinstance(value, dict):
        return True
    return all(isinstance(v, str) and _RELATIVE_URI.fullmatch(v) for v in value.values())


@FORMATS.checks("currency")
def is_currency(value: object) -> bool:
    """An ISO 4217 currency code."""
    return not isinstance(value, str) or bool(re.fullmatch(r"[A-Za-z]{3}", value))


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema validator that also checks Twilio's formats."""
    return Draft202012Validator(schema, format_checker=FORMATS)


@pytest.fixture(scope="module")
def message_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """The Message resource schema, strict."""
    schemas = openapi["components"]["schemas"]
    return strict_json_schema(schemas["api.v2010.account.message"], schemas)


@pytest.fixture(scope="module")
def list_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """The Messages list response schema, strict."""
    answer = openapi["paths"][MESSAGES_PATH]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    return strict_json_schema(schema, openapi["components"]["schemas"])


def schema_formats(schema: Any) -> set[str]:
    """Every `format` a schema uses, however deep."""
    if isinstance(schema, list):
        return set().union(*map(schema_formats, schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
    return found.union(*map(schema_formats, schema.values()))


def test_every_served_route_is_in_the_document_with_its_method(openapi: dict[str, Any]) -> None:
    expected_status = {"POST": "201", "GET": "200"}
    for method, template in ROUTES:
        operation = openapi["paths"][template][method.lower()]
        assert expected_status[method] in operation["responses"], (method, template)


def test_create_fields_and_list_parameters_are_in_the_document(
    openapi: dict[str, Any], fake: FakeTwilio, client: Client
) -> None:
    create = openapi["paths"][MESSAGES_PATH]["post"]["requestBody"]["content"]
    documented_fields = set(create["application/x-www-form-urlencoded"]["schema"]["properties"])
    parameters = openapi["paths"][MESSAGES_PATH]["get"]["parameters"]
    documented_query = {p["name"] for p in parameters if p["in"] == "query"}
    client.messages.create(
        to=CUSTOMER,
        from_=SENDER,
        messaging_service_sid=SERVICE,
        body="Hi",
        status_callback="http://svc/s",
    )
    client.messages.list(to=CUSTOMER, from_=SENDER, date_sent_after=datetime(2024, 1, 1), limit=1)

    assert set(CREATE_FIELDS) <= documented_fields
    assert set(LIST_FILTERS) | set(PAGING_PARAMS) <= documented_query
    create_request, list_request = fake.requests
    assert set(create_request.form) == set(CREATE_FIELDS)
    assert set(list_request.query) <= documented_query


def test_every_schema_format_is_checked(
    message_schema: dict[str, Any], list_schema: dict[str, Any]
) -> None:
    used = schema_formats(message_schema) | schema_formats(list_schema)

    assert used <= set(FORMATS.checkers), f"add format checks for {used - set(FORMATS.checkers)}"


def test_message_answers_follow_the_message_schema(
    fake: FakeTwilio, client: Client, clock: Clock, message_schema: dict[str, Any]
) -> None:
    path = messages_path(fake)
    answers = [
        call(
            fake,
            "POST",
            path,
            data={
                "To": CUSTOMER,
                "From": SENDER,
                "Body": "Hi 👋",
                "StatusCallback": "http://svc/s",
            },
        ),
        call(
            fake,
            "POST",
            path,
            data={
                "To": CUSTOMER,
                "MessagingServiceSid": SERVICE,
                "Body": "Hi",
                "StatusCallback": "http://svc/s",
            },
        ),
    ]
    assert [a.status_code for a in answers] == [201, 201]
    first, second = (a.json()["sid"] for a in answers)
    clock.now += timedelta(minutes=1)
    fake.status_webhook(first, "undelivered", error_code=30003)
    fake.status_webhook(second, "delivered")
    answers += [call(fake, "GET", messages_path(fake, sid)) for sid in (first, second)]
    assert [a.status_code for a in answers[2:]] == [200, 200]

    validator = validator_for(message_schema)
    for answer in answers:
        validator.validate(answer.json())
    assert answers[2].json()["error_code"] == 30003


def test_list_answers_follow_the_list_schema(
    fake: FakeTwilio, client: Client, list_schema: dict[str, Any]
) -> None:
    for n in range(3):
        client.messages.create(to=CUSTOMER, from_=SENDER, body=f"Hi {n}")
    fake.inbound_webhook("http://svc/in", from_=CUSTOMER, to=SENDER, body="Yes")
    path = messages_path(fake)
    answers = [
        call(fake, "GET", path),
        call(fake, "GET", path, params={"To": CUSTOMER, "PageSize": 2}),
        call(fake, "GET", path, params={"To": CUSTOMER, "PageSize": 2, "Page": 1}),
        call(fake, "GET", path, params={"To": "+15550000000", "DateSent>": "2024-01-01"}),
    ]

    validator = validator_for(list_schema)
    for answer in answers:
        assert answer.status_code == 200
        validator.validate(answer.json())
    everything, page_0, page_1, empty = (a.json() for a in answers)
    assert {m["direction"] for m in everything["messages"]} == {"inbound", "outbound-api"}
    assert (len(page_0["messages"]), page_0["previous_page_uri"]) == (2, None)
    assert page_0["next_page_uri"] is not None
    assert (len(page_1["messages"]), page_1["next_page_uri"]) == (1, None)
    assert (empty["messages"], empty["start"], empty["end"]) == ([], 0, 0)


def test_errors_have_twilio_error_shape(fake: FakeTwilio) -> None:
    fake.fail_next(status=429)
    answers = [
        call(fake, "POST", messages_path(fake), data={"To": CUSTOMER, "From": SENDER, "Body": "x"}),
        call(fake, "POST", messages_path(fake), data={"To": CUSTOMER, "From": SENDER}),
        call(fake, "GET", messages_path(fake, "SM" + "0" * 32)),
        call(fake, "DELETE", messages_path(fake, "SM" + "0" * 32)),
        requests.get(fake.base_url + messages_path(fake), auth=("AC" + "1" * 32, "x"), timeout=5),
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (429, 20429),
        (400, 21602),
        (404, 20404),
        (405, 20004),
        (401, 20003),
    ]
    for answer in answers:
        error = answer.json()
        assert set(error) == {"code", "message", "more_info", "status"}
        assert error["status"] == answer.status_code
        assert error["more_info"] == f"https://www.twilio.com/docs/errors/{error['code']}"
        assert answer.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "spoil",
    [
        lambda m: m.update(num_segments=1),
        lambda m: m.update(error_code="30003"),
        lambda m: m.update(date_created="2024-05-01T09:30:00Z"),
        lambda m: m.update(status="done"),
        lambda m: m.update(sid="XX" + "0" * 32),
        lambda m: m.update(surprise=True),
        lambda m: m.pop("price"),
    ],
    ids=["int segments", "str error", "iso date", "status", "sid", "extra", "missing"],
)
def test_the_contract_schema_rejects_a_wrong_answer(
    fake: FakeTwilio, message_schema: dict[str, Any], spoil: Callable[[dict[str, Any]], Any]
) -> None:
    data = {"To": CUSTOMER, "From": SENDER, "Body": "Hi"}
    answer = call(fake, "POST", messages_path(fake), data=data).json()
    validator = validator_for(message_schema)
    validator.validate(answer)

    spoil(answer)

    assert list(validator.iter_errors(answer))
