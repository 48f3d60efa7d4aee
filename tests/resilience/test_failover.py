"""Redis fails over under a running service: the master is killed while a worker drains a
backlog; the web, the worker and the relay follow the sentinels to the promoted replica, and
every text is sent exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from notifier.clock import SystemClock
from tests.conftest import Api, LiveServer
from tests.fakes.twilio import FakeTwilio
from tests.resilience.conftest import accept, phone, service_env, texted
from tests.servers import SentinelCluster, ServiceProcess, eventually

BACKLOG, DURING = range(1, 31), range(31, 41)


@pytest.fixture
def clock() -> SystemClock:
    """The real clock: the worker and the relay are processes of their own and read it too."""
    return SystemClock()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[SentinelCluster]:
    """A master, its replica and three sentinels, running."""
    servers = SentinelCluster(tmp_path)
    servers.start()
    yield servers
    servers.stop()


@pytest.fixture
def overrides(overrides: dict[str, Any], cluster: SentinelCluster) -> dict[str, Any]:
    """The app finds Redis through the sentinels."""
    sentinels = tuple(("127.0.0.1", sentinel.port) for sentinel in cluster.sentinels)
    overrides.update(redis_sentinels=sentinels, redis_sentinel_master=cluster.name)
    return overrides


def test_every_text_is_sent_once_when_the_master_dies_mid_drain(
    api: Api,
    live: LiveServer,
    overrides: dict[str, Any],
    cluster: SentinelCluster,
    fake_twilio: FakeTwilio,
    processes: Callable[[str, dict[str, str]], ServiceProcess],
) -> None:
    env = service_env(
        overrides,
        live,
        REDIS_SENTINELS=cluster.addresses,
        REDIS_SENTINEL_MASTER=cluster.name,
        SENDER_MPS="4",  # slow enough that the master dies with most of the backlog queued
    )
    del env["REDIS_URL"]
    worker = processes("worker", env)
    processes("relay", env)
    api.put_queue("desk")
    for n in BACKLOG:
        accept(api, n)
    eventually(lambda: len(fake_twilio.messages) >= 5, "the worker drains the backlog", 120)

    cluster.master.kill()
    for n in DURING:
        accept(api, n)
    eventually(lambda: cluster.master_port() == cluster.replica.port, "the replica is promoted")

    everyone = {phone(n) for n in (*BACKLOG, *DURING)}
    eventually(lambda: set(texted(fake_twilio)) == everyone, "every text is sent", 240)
    assert texted(fake_twilio) == dict.fromkeys(everyone, 1)
    assert worker.alive(), worker.output()
