"""A Redis that hangs stalls nothing: while it answers nothing, every event is accepted at once
and the probes answer; once it resumes, the relay queues what waited and each is texted once."""

from __future__ import annotations

import time
from datetime import timedelta

import requests

from notifier.clock import FixedClock
from notifier.services import Services, for_background
from tests.conftest import Api, LiveServer, joined, run_worker
from tests.fakes.twilio import FakeTwilio
from tests.resilience.conftest import phone, texted
from tests.servers import RedisServer
from workers.relay import relay_once

EVENTS = range(1, 11)


def test_events_are_answered_at_once_while_redis_hangs_and_texted_once_it_resumes(
    api: Api,
    svc: Services,
    live: LiveServer,
    clock: FixedClock,
    redis_server: RedisServer,
    fake_twilio: FakeTwilio,
) -> None:
    api.put_queue("desk")
    api.event(joined("evt-0", "A0", phone(0)))  # a service that has been answering for a while
    redis_server.freeze()
    events, health = [], []
    for n in EVENTS:
        started = time.perf_counter()
        answer = api.event(joined(f"evt-{n}", f"A{n}", phone(n)))
        events.append((answer.status_code, time.perf_counter() - started))
        started = time.perf_counter()
        alive = requests.get(live.url + "/healthz", timeout=10)
        health.append((alive.status_code, time.perf_counter() - started))
    started = time.perf_counter()
    ready = requests.get(live.url + "/readyz", timeout=10)
    readiness_took = time.perf_counter() - started
    redis_server.thaw()

    assert [status for status, _ in events] == [202] * len(EVENTS)
    assert max(took for _, took in events) < 0.2, events
    assert [status for status, _ in health] == [200] * len(EVENTS)
    assert max(took for _, took in health) < 0.1, health
    assert ready.status_code == 503 and readiness_took < 0.5
    assert ready.json()["checks"]["redis"] == "TimeoutError"
    assert ready.json()["checks"]["enqueue_breaker"] == "open"

    clock.set(clock.now() + timedelta(seconds=10))
    relay = for_background(svc)  # the relay is a process of its own, with its own breaker
    # Every text whose job Redis never took goes back on a queue; one that Redis took, though
    # too late to answer, is already there (the claim keeps either from going twice).
    relayed = relay_once(relay)
    assert relayed + relay.dispatcher.queues["default"].count >= len(EVENTS)
    run_worker(relay)
    assert texted(fake_twilio) == {phone(n): 1 for n in (0, *EVENTS)}
