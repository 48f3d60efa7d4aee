"""The opt-out confirmation goes within five minutes of the reply, or never: also after Redis fails.

A confirmation that waited too long (a worker backlog, a Redis outage that the relay outlived)
is dropped by the worker's last check before the provider, and the drop is in its history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notifier import embedded_redis
from notifier.clock import FixedClock
from notifier.services import Services
from notifier.texts import catalog as texts
from tests.conftest import Api, LiveServer
from tests.e2e.conftest import OwnRedis
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio
from workers.relay import relay_once

ACME = texts.Brand("Acme", None, ZoneInfo("America/New_York"))
REVOKED = {"queue_updates": "revoked", "peak_alerts": "revoked"}


@pytest.fixture
def overrides(overrides: dict[str, Any], own_redis: OwnRedis) -> dict[str, Any]:
    """The app uses this test's own Redis, which the test may stop."""
    overrides["redis_url"] = embedded_redis.url_for(own_redis.socket)
    return overrides


@pytest.fixture
def customer(api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio) -> Customer:
    """A customer waiting at the desk, opted in, already acknowledged."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    assert len(me.received()) == 1
    return me


def stop_then_wait(
    customer: Customer,
    svc: Services,
    clock: FixedClock,
    redis: OwnRedis,
    *,
    outage: bool,
    wait: timedelta,
) -> None:
    """The customer texts STOP (while Redis is down, with `outage`); the worker runs later."""
    if outage:
        redis.stop()
    customer.text("STOP")
    replied = clock.now()
    if outage:
        redis.start()
    clock.set(replied + wait)
    if outage:
        assert relay_once(svc) == 1  # the relay puts back what Redis never got


def confirmation(customer: Customer) -> dict[str, Any]:
    """The opt-out confirmation as the audit log shows it."""
    [found] = [m for m in customer.messages() if m["kind"] == "opt_out_confirmation"]
    return found


@pytest.mark.parametrize("outage", [False, True], ids=["backlog", "redis_outage"])
@pytest.mark.parametrize(
    "wait", [timedelta(minutes=1), timedelta(minutes=4, seconds=59)], ids=["1m", "4m59s"]
)
def test_a_confirmation_still_within_five_minutes_goes(
    customer: Customer,
    svc: Services,
    clock: FixedClock,
    own_redis: OwnRedis,
    outage: bool,
    wait: timedelta,
) -> None:
    stop_then_wait(customer, svc, clock, own_redis, outage=outage, wait=wait)

    assert customer.received()[1:] == [texts.opt_out_confirmation("en", ACME)]
    assert confirmation(customer)["status"] == "sent"


@pytest.mark.parametrize("outage", [False, True], ids=["backlog", "redis_outage"])
@pytest.mark.parametrize(
    "wait", [timedelta(minutes=5, seconds=1), timedelta(hours=1)], ids=["5m01s", "1h"]
)
def test_a_confirmation_past_five_minutes_is_dropped_and_recorded_and_never_sent(
    customer: Customer,
    svc: Services,
    clock: FixedClock,
    own_redis: OwnRedis,
    outage: bool,
    wait: timedelta,
) -> None:
    stop_then_wait(customer, svc, clock, own_redis, outage=outage, wait=wait)

    assert customer.received()[1:] == []
    dropped = confirmation(customer)
    assert (dropped["decision"], dropped["status"]) == ("queued", "dropped")
    last = dropped["history"][-1]
    assert (last["status"], last["detail"], last["source"]) == (
        "dropped",
        "confirmation_window_passed",
        "worker",
    )
    assert customer.consent() == REVOKED  # the opt-out itself holds, confirmed or not
    assert relay_once(svc) == 0  # nothing is left to put back: the drop is final
