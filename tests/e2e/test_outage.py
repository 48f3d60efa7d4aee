"""An event accepted while Redis is down is texted once Redis is back, exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from notifier import embedded_redis
from notifier.clock import FixedClock
from notifier.services import Services
from tests.conftest import Api, joined, run_worker
from tests.e2e.conftest import OwnRedis
from tests.fakes.twilio import FakeTwilio
from workers.relay import relay_once


@pytest.fixture
def overrides(overrides: dict[str, Any], own_redis: OwnRedis) -> dict[str, Any]:
    """The app uses this test's own Redis."""
    overrides["redis_url"] = embedded_redis.url_for(own_redis.socket)
    return overrides


def test_event_accepted_during_redis_outage_is_texted_once_redis_returns(
    api: Api, svc: Services, clock: FixedClock, own_redis: OwnRedis, fake_twilio: FakeTwilio
) -> None:
    api.put_queue("desk")
    own_redis.stop()

    answer = api.event(joined("evt-1", "A17", "+13055550142"))
    assert answer.status_code == 202
    assert api.call("GET", "/readyz").status_code == 503

    own_redis.start()
    clock.set(clock.now() + timedelta(seconds=10))
    assert relay_once(svc) == 1
    assert relay_once(svc) == 0  # already on the queue: not enqueued twice
    run_worker(svc)
    run_worker(svc)

    [sent] = fake_twilio.messages
    assert sent.to == "+13055550142"
