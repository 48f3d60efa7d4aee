"""A running worker outlives Redis: Redis stops under a job and comes back, and the worker, never
restarted, drains the backlog; every event is texted exactly once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from notifier.clock import SystemClock
from notifier.models import Message
from notifier.services import Services
from tests.conftest import Api, LiveServer
from tests.fakes.twilio import FakeTwilio
from tests.resilience.conftest import accept, phone, service_env, texted
from tests.servers import RedisServer, ServiceProcess, eventually

BEFORE, QUEUED, DURING = range(1, 2), range(3, 6), range(6, 9)


@pytest.fixture
def clock() -> SystemClock:
    """The real clock: the worker and the relay are processes of their own and read it too."""
    return SystemClock()


def status_of(svc: Services, n: int) -> str | None:
    """The status of the text to the n-th customer."""
    with svc.db.session() as session:
        return session.scalar(select(Message.status).where(Message.phone == phone(n)))


def test_a_worker_carries_on_when_redis_stops_and_returns_under_a_running_job(
    api: Api,
    svc: Services,
    live: LiveServer,
    overrides: dict[str, Any],
    redis_server: RedisServer,
    fake_twilio: FakeTwilio,
    processes: Callable[[str, dict[str, str]], ServiceProcess],
) -> None:
    env = service_env(overrides, live)
    worker = processes("worker", env)
    processes("relay", env)
    api.put_queue("desk")
    for n in BEFORE:
        accept(api, n)
    eventually(lambda: len(fake_twilio.messages) == len(BEFORE), "the worker sends", 120)

    fake_twilio.hang_next(3.0)  # the next text is sent, and Twilio takes its time to say so
    accept(api, 2)
    eventually(lambda: len(fake_twilio.messages) == 2, "the worker sends the second text")
    for n in QUEUED:  # behind the running job, on the queue in Redis
        accept(api, n)
    redis_server.stop()
    for n in DURING:  # accepted while Redis is away: they wait in the database
        accept(api, n)
    eventually(lambda: status_of(svc, 2) == "sent", "the running job records its text")
    redis_server.start()

    everyone = [phone(n) for n in range(1, 9)]
    eventually(lambda: set(texted(fake_twilio)) == set(everyone), "the backlog drains", 120)
    assert texted(fake_twilio) == {number: 1 for number in everyone}
    assert worker.alive(), worker.output()
    assert "quitting" not in worker.output()
