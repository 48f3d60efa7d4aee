"""What a newcomer found, each put right: suppression shown, HELP's contact, regions, times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from notifier.config import PROJECT_ROOT
from notifier.services import Services
from tests.conftest import START, Api, LiveServer, joined
from tests.e2e.customer import PHONE, Customer, put_desk
from tests.fakes.twilio import FakeTwilio

SUPPORT = "help.example.com or +1 305 555 0100"
LOCAL = "(305) 555-0142"  # no country code: read in the queue's region (New York: US)


@pytest.fixture
def overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """A service with a configured SUPPORT_CONTACT."""
    return {**overrides, "support_contact": SUPPORT}


@pytest.fixture
def customer(api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio) -> Customer:
    """A customer waiting at a desk whose queue names no contact."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    return me


def suppressed(api: Api) -> bool:
    """What `GET /v1/consents/{phone}` says of the number's suppression."""
    answer = api.call("GET", f"/v1/consents/{PHONE}")
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["suppressed"])


def test_suppressed_is_true_after_stop_and_false_after_start(customer: Customer) -> None:
    assert suppressed(customer.api) is False
    customer.text("STOP")
    assert suppressed(customer.api) is True
    customer.text("START")
    assert suppressed(customer.api) is False


def test_help_without_a_queue_contact_names_the_support_contact(customer: Customer) -> None:
    customer.text("HELP")

    assert f"Help: {SUPPORT}." in customer.received()[-1]


def test_help_from_a_number_no_queue_knows_names_the_support_contact(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    stranger = Customer(api, svc, live, fake_twilio, phone="+13055550199")

    stranger.text("HELP")

    [answer] = stranger.received()
    assert f"Help: {SUPPORT}." in answer


def test_consent_routes_read_a_local_number_in_the_queues_region(api: Api) -> None:
    put_desk(api)
    grant = {"purposes": ["queue_updates"], "action": "grant", "method": "kiosk"}

    without_queue = api.call("POST", "/v1/consents", json={**grant, "phone": LOCAL})
    posted = api.call("POST", "/v1/consents", json={**grant, "phone": LOCAL, "queue_id": "desk"})
    read = api.call("GET", f"/v1/consents/{quote(LOCAL)}", params={"queue_id": "desk"})
    unknown = api.call("GET", f"/v1/consents/{quote(LOCAL)}", params={"queue_id": "nowhere"})

    assert without_queue.status_code == 422
    assert posted.status_code == 201 and posted.json()["phone"] == PHONE
    assert read.status_code == 200
    assert read.json()["purposes"]["queue_updates"]["status"] == "granted"
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "queue_id"


@pytest.mark.parametrize(("minutes_ago", "back_by"), [(10, "11:15 AM"), (0, "11:25 AM")])
def test_the_come_back_time_counts_from_when_the_customer_joined(
    api: Api,
    svc: Services,
    live: LiveServer,
    fake_twilio: FakeTwilio,
    minutes_ago: int,
    back_by: str,
) -> None:
    put_desk(api)
    body = joined("evt-late", "A17", PHONE, eta=25)
    body["occurred_at"] = (START - timedelta(minutes=minutes_ago)).isoformat()

    assert api.event(body).status_code == 202

    [text] = Customer(api, svc, live, fake_twilio).received()
    assert f"come back by {back_by}" in text  # joined at 10:55 or 11:05, 25 min, 5 min margin


def test_a_future_occurred_at_does_not_push_the_come_back_time_later(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    body = joined("evt-early", "A17", PHONE, eta=25)
    # A producer's clock a little ahead of ours (more than five minutes is refused: 422).
    body["occurred_at"] = (START + timedelta(minutes=4)).isoformat()

    assert api.event(body).status_code == 202

    [text] = Customer(api, svc, live, fake_twilio).received()
    assert "come back by 11:25 AM" in text  # from now, not from a time yet to come


def test_the_license_is_the_apache_license_the_project_declares() -> None:
    license_text = (PROJECT_ROOT / "LICENSE").read_text()
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()

    assert license_text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in license_text
    assert 'license = "Apache-2.0"' in pyproject
