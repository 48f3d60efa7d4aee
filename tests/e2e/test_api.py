"""The HTTP contract: authentication, exact errors as problem+json, the OpenAPI document."""

from __future__ import annotations

import pytest
import requests

from notifier.services import Services
from tests.conftest import Api, LiveServer, joined, make_key

PROBLEM = "application/problem+json"


def test_missing_or_unknown_key_is_401_and_missing_scope_is_403(
    api: Api, live: LiveServer, svc: Services
) -> None:
    reader = Api(live.url, make_key(svc, "reader", ["audit:read"]))

    missing = requests.get(live.url + "/v1/queues/desk", timeout=5)
    unknown = Api(live.url, "ntf_not-a-key").call("GET", "/v1/queues/desk")
    no_scope = reader.put_queue("desk")

    assert (missing.status_code, unknown.status_code, no_scope.status_code) == (401, 401, 403)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert all(r.headers["Content-Type"] == PROBLEM for r in (missing, unknown, no_scope))
    assert reader.call("GET", "/v1/queues/desk").status_code == 403
    reader.http.close()


def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    answer = api.call(
        "POST", "/v1/events", data=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 400
    assert answer.json()["title"] == "Malformed request"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "ticket.teleported"}, "type"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-28T11:05:00"}, "occurred_at"),  # no offset
        ({"ticket": {"id": "A1", "phone": "+13055550142", "position": "4"}}, "ticket.position"),
        ({"ticket": {"id": "A1", "position": 4}}, "ticket.phone"),
        ({"queue_id": "nope"}, "queue_id"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_a_bad_event_is_422_naming_the_field_and_writes_nothing(
    api: Api, change: dict[str, object], field: str
) -> None:
    api.put_queue("desk")
    body = {**joined("evt-1", "A1", "+13055550142"), **change}

    answer = api.event(body)
    retry = api.event(joined("evt-1", "A1", "+13055550142"))

    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert retry.status_code == 202  # the refused event left nothing behind, not even its id


def test_queue_settings_round_trip_and_bad_ones_are_named(api: Api) -> None:
    created = api.put_queue(
        "kaubamaja-desk",
        timezone="Europe/Tallinn",
        locale="et",
        sender="+37256000000",
        peak_hours=[{"days": ["sat", "sun"], "start": "12:00", "end": "14:00"}],
    )
    replaced = api.put_queue("kaubamaja-desk", timezone="Europe/Tallinn")
    bad = api.put_queue("desk", timezone="Mars/Olympus", hold_minutes=-1)

    assert (created.status_code, replaced.status_code) == (201, 200)
    assert api.call("GET", "/v1/queues/kaubamaja-desk").json()["peak_hours"] == []
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"timezone", "hold_minutes"}


def test_unknown_routes_and_methods_are_problems_too(api: Api) -> None:
    assert api.call("GET", "/v1/nothing").headers["Content-Type"] == PROBLEM
    wrong = api.call("DELETE", "/v1/events")
    assert wrong.status_code == 405 and wrong.headers["Content-Type"] == PROBLEM
    assert "POST" in wrong.headers["Allow"]
    missing = api.call("GET", "/v1/queues/none")
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_openapi_describes_every_route_with_its_models(api: Api, live: LiveServer) -> None:
    from notifier.api.routing import OPERATIONS

    document = requests.get(live.url + "/openapi.json", timeout=5).json()

    assert document["openapi"].startswith("3.1")
    for op in OPERATIONS:
        assert op.method.lower() in document["paths"][op.path], op.path
    events = document["paths"]["/v1/events"]["post"]
    assert events["responses"]["202"]["content"]["application/json"]["schema"]["$ref"]
    body = events["requestBody"]["content"]["application/json"]["schema"]
    assert "discriminator" in body or "oneOf" in body
    assert "QueueSettings" in document["components"]["schemas"]
    export = document["paths"]["/v1/audit/messages"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/x-ndjson", "text/csv"}


def test_health_readiness_and_metrics(api: Api, live: LiveServer) -> None:
    assert requests.get(live.url + "/healthz", timeout=5).json()["status"] == "ok"
    ready = requests.get(live.url + "/readyz", timeout=5)
    checks = {"database": "ok", "redis": "ok", "enqueue_breaker": "closed"}
    assert ready.status_code == 200 and ready.json()["checks"] == checks
    metrics = requests.get(live.url + "/metrics", timeout=5)
    assert 'notifier_messages{status="pending"}' in metrics.text
    assert "notifier_http_requests_total" in metrics.text
