"""Bad input is a 4xx problem+json, never a 500 and never a job that fails forever after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from twilio.request_validator import RequestValidator

from notifier.services import Services
from tests.conftest import START, Api, LiveServer, joined, run_worker
from tests.fakes.twilio import FakeTwilio

PROBLEM = "application/problem+json"
PHONE = "+13055550142"
MEGABYTE = 1024 * 1024
JSON_TYPE = "application/json"


def refused(answer: requests.Response, status: int, field: str | None = None) -> None:
    """The answer is the problem+json `status`, naming `field` if given."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == PROBLEM
    problem = answer.json()
    assert problem["status"] == status
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]], problem


@pytest.fixture
def desk(api: Api) -> Api:
    """A producer with a queue called `desk`."""
    assert api.put_queue("desk").status_code == 201
    return api


def post_raw(api: Api, path: str, data: Any, content_type: str | None = JSON_TYPE) -> Any:
    """POST bytes as they are, with this Content-Type (or none)."""
    headers = {"Content-Type": content_type} if content_type else {}
    return api.call("POST", path, data=data, headers=headers)


def delayed(reason: str = "a power cut", event_id: str = "late-1") -> dict[str, Any]:
    """A `queue.delayed` event for the desk."""
    return {
        "id": event_id,
        "type": "queue.delayed",
        "occurred_at": START.isoformat(),
        "queue_id": "desk",
        "delay_minutes": 20,
        "reason": reason,
    }


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"id": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1001,
        b'{"id": "e1", "type": "ticket.called", "ticket": {"id": "A1", "position": NaN}}',
        b'{"id": "e1", "type": "ticket.called", "delay_minutes": Infinity}',
        b'{"id": "e1", "type": "ticket.called", "delay_minutes": -Infinity}',
        json.dumps(joined("e1", "A1", PHONE)).encode("utf-16"),
        json.dumps(joined("e1", "A1", PHONE)).encode().replace(b"A1", b"A\xff1"),
        b"\xef\xbb\xbf" + json.dumps(joined("e1", "A1", PHONE)).encode(),  # a BOM is not JSON
    ],
)
def test_a_body_that_is_not_plain_json_is_400(desk: Api, raw: bytes) -> None:
    for path in ("/v1/events", "/v1/consents"):
        refused(post_raw(desk, path, raw), 400)
    refused(desk.call("PUT", "/v1/queues/desk", data=raw, headers={"Content-Type": JSON_TYPE}), 400)
    assert desk.event(joined("e1", "A1", PHONE)).status_code == 202  # nothing was written


def test_numbers_beyond_what_json_carries_are_422(desk: Api) -> None:
    huge = json.dumps(joined("e1", "A1", PHONE)).replace('"position": 4', '"position": 1e400')
    refused(post_raw(desk, "/v1/events", huge.encode()), 422, "ticket.position")

    grant = consent_request()
    grant["evidence"] = {"kiosk_serial": 10**30}
    refused(desk.call("POST", "/v1/consents", json=grant), 422, "evidence.kiosk_serial")
    grant["evidence"] = {"nested": {"deeper": [1, 2]}}
    refused(desk.call("POST", "/v1/consents", json=grant), 422, "evidence.nested")


def consent_request(**changes: Any) -> dict[str, Any]:
    """A kiosk opt-in for PHONE."""
    body = {
        "phone": PHONE,
        "purposes": ["queue_updates"],
        "action": "grant",
        "method": "kiosk",
        "captured_at": START.isoformat(),
        "disclosure": {"text": "Text me about my place in line.", "version": "k-1"},
        "evidence": {"location": "desk-2"},
    }
    return {**body, **changes}


def with_nul(body: dict[str, Any], *path: str) -> dict[str, Any]:
    """`body` with a NUL put in the string at `path`."""
    copy = json.loads(json.dumps(body))
    holder = copy
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = holder[path[-1]][:2] + "\x00" + holder[path[-1]][2:]
    return copy


@pytest.mark.parametrize(
    ("make", "path", "field"),
    [
        (lambda: joined("e-1", "A1", PHONE), ("id",), "id"),
        (lambda: joined("e-1", "A1", PHONE), ("ticket", "id"), "ticket.id"),
        (lambda: joined("e-1", "A1", PHONE), ("ticket", "phone"), "ticket.phone"),
        (lambda: joined("e-1", "A1", PHONE), ("consent", "disclosure", "text"), None),
        (lambda: delayed(), ("reason",), "reason"),
    ],
)
def test_a_nul_in_any_string_of_an_event_is_422_and_leaves_no_job(
    desk: Api, svc: Services, make: Any, path: tuple[str, ...], field: str | None
) -> None:
    body = make()
    bad = with_nul(body, *path)

    refused(desk.event(bad), 422, field or ".".join(path))
    run_worker(svc)  # nothing was queued that could fail

    assert desk.event(body).status_code == 202


def test_a_nul_in_names_disclosures_evidence_paths_and_queries_is_422(desk: Api) -> None:
    queue = {"name": "Service\x00desk", "timezone": "America/New_York"}
    refused(desk.call("PUT", "/v1/queues/desk", json=queue), 422, "name")
    grant = with_nul(consent_request(), "disclosure", "text")
    refused(desk.call("POST", "/v1/consents", json=grant), 422, "disclosure.text")
    grant = consent_request(evidence={"staff\x00id": "s-1", "location": "desk\x002"})
    refused(desk.call("POST", "/v1/consents", json=grant), 422)
    for path in (
        "/v1/queues/desk%00",
        "/v1/consents/%2B1305%00555",
        "/v1/subjects/+1305555%000142",
    ):
        refused(desk.call("GET", path), 422)
    refused(desk.call("DELETE", "/v1/subjects/+1305555%000142"), 422)
    refused(desk.call("GET", "/v1/audit/messages?phone=%2B1305%00555"), 422, "phone")


@pytest.mark.parametrize(
    "zone",
    [
        "America",
        "Etc",
        "Etc/UTC",
        "localtime",
        "Factory",
        "EST5EDT",
        "US/Eastern/",
        "../../etc/passwd",
        "America/" + "x" * 300,
        "Europe/Tallinn" * 20,
        "é" * 200,
    ],
)
def test_a_time_zone_that_is_not_a_place_is_422(api: Api, zone: str) -> None:
    refused(api.put_queue("desk", timezone=zone), 422, "timezone")
    assert api.call("GET", "/v1/queues/desk").status_code == 404


@pytest.mark.parametrize("ahead", [timedelta(minutes=6), timedelta(days=365 * 974)])
def test_a_report_dated_ahead_of_the_clock_is_422(desk: Api, ahead: timedelta) -> None:
    later = (START + ahead).isoformat()
    joined_later = {**joined("e-1", "A1", PHONE), "occurred_at": later}
    captured_later = joined("e-2", "A2", PHONE)
    captured_later["consent"]["captured_at"] = later

    refused(desk.event(joined_later), 422, "occurred_at")
    refused(desk.event(captured_later), 422, "consent.captured_at")
    refused(desk.call("POST", "/v1/consents", json=consent_request(captured_at=later)), 422)
    refused(desk.event({**delayed(), "occurred_at": later}), 422, "occurred_at")


def test_a_report_a_little_ahead_of_the_clock_is_taken(desk: Api) -> None:
    soon = (START + timedelta(minutes=4)).isoformat()

    assert desk.event({**joined("e-1", "A1", PHONE), "occurred_at": soon}).status_code == 202


@pytest.mark.parametrize(
    "window",
    [
        {"days": ["sat"], "start": "12:00", "end": "14:00+02:00"},
        {"days": ["sat"], "start": "12:00+02:00", "end": "14:00"},
        {"days": ["sat"], "start": "12:00Z", "end": "14:00Z"},
    ],
)
def test_peak_hours_with_an_offset_are_422(api: Api, window: dict[str, Any]) -> None:
    refused(api.put_queue("desk", peak_hours=[window]), 422)


def test_instants_the_database_cannot_hold_are_422(desk: Api) -> None:
    for when in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        refused(desk.event({**joined("e-1", "A1", PHONE), "occurred_at": when}), 422)
        refused(desk.call("GET", "/v1/audit/consents", params={"since": when}), 422, "since")


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes of a JSON string, in chunks (so the request carries no Content-Length)."""
    yield b'{"id": "'
    sent = 8
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


@pytest.mark.parametrize("path", ["/v1/events", "/v1/consents", "/v1/twilio/inbound"])
def test_a_body_over_a_megabyte_is_413_whether_its_length_is_told_or_not(
    desk: Api, path: str
) -> None:
    kind = "application/x-www-form-urlencoded" if "twilio" in path else JSON_TYPE
    told = post_raw(desk, path, b"x" * (MEGABYTE + 1), kind)
    chunked = post_raw(desk, path, chunks(MEGABYTE + 1), kind)

    refused(told, 413)
    refused(chunked, 413)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/v1/events", "text/plain"),
        ("/v1/events", "application/x-www-form-urlencoded"),
        ("/v1/events", None),
        ("/v1/consents", "text/html"),
        ("/v1/twilio/inbound", JSON_TYPE),
        ("/v1/twilio/status", "text/plain"),
    ],
)
def test_a_body_of_another_media_type_is_415(
    desk: Api, path: str, content_type: str | None
) -> None:
    body = json.dumps(joined("e-1", "A1", PHONE)).encode()

    refused(post_raw(desk, path, body, content_type), 415)
    refused(
        desk.call("PUT", "/v1/queues/desk", data=b"{}", headers={"Content-Type": "text/plain"}), 415
    )


def signed_post(live: LiveServer, twilio: FakeTwilio, path: str, form: dict[str, str]) -> Any:
    """A webhook as Twilio would sign it, whatever it holds."""
    url = live.url + path
    signature = RequestValidator(twilio.auth_token).compute_signature(url, form)
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Body", "x" * 1601),
        ("Body", "STOP\x00"),
        ("From", "+1" + "3" * 100),
        ("From", PHONE + "\x00"),
        ("To", "+1" + "5" * 60),
        ("MessageSid", "SM" + "a" * 5000),
        ("MessageSid", "SM" + "0" * 31 + "\x00"),
        ("OptOutType", "STOP" * 20),
    ],
)
def test_oversized_or_nul_fields_of_a_signed_reply_are_422(
    desk: Api, live: LiveServer, fake_twilio: FakeTwilio, field: str, value: str
) -> None:
    form = {"MessageSid": "SM" + "0" * 32, "From": PHONE, "To": "+15005550006", "Body": "hi"}

    refused(
        signed_post(live, fake_twilio, "/v1/twilio/inbound", {**form, field: value}), 422, field
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageStatus", "delivered" * 10),
        ("MessageSid", "SM" + "f" * 400),
        ("ErrorCode", "9" * 40),
    ],
)
def test_oversized_fields_of_a_signed_status_callback_are_422(
    desk: Api, live: LiveServer, fake_twilio: FakeTwilio, field: str, value: str
) -> None:
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered", field: value}

    refused(signed_post(live, fake_twilio, "/v1/twilio/status", form), 422, field)
