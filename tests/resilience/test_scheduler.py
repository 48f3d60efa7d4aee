"""A worker killed outright leaves no scheduler behind holding RQ's scheduler locks, and the
worker started in its place schedules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psutil
import pytest
from redis import Redis
from rq import Queue
from rq.job import JobStatus
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

from notifier.clock import SystemClock
from notifier.sending.lifecycle import Priority
from tests.conftest import LiveServer
from tests.resilience.conftest import service_env
from tests.servers import RedisServer, ServiceProcess, eventually

LOCKS = [RQScheduler.get_locking_key(name) for name in Priority]


@pytest.fixture
def clock() -> SystemClock:
    """The real clock: the workers are processes of their own and read it too."""
    return SystemClock()


def gone(process: psutil.Process) -> bool:
    """The process has ended (a zombie waiting to be reaped has ended too)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def holders(redis: Redis) -> set[int | None]:
    """The process ids of the schedulers holding the queues' locks (None: a lock nobody holds)."""
    found = set()
    for lock in LOCKS:
        name = redis.get(lock)
        pid = redis.hget(SCHEDULER_KEY_TEMPLATE % name.decode(), "pid") if name else None
        found.add(int(pid) if pid else None)
    return found


def test_a_worker_killed_outright_leaves_no_scheduler_and_the_next_one_schedules(
    overrides: dict[str, Any],
    live: LiveServer,
    redis_server: RedisServer,
    processes: Callable[[str, dict[str, str]], ServiceProcess],
) -> None:
    env = service_env(overrides, live)
    redis = redis_server.client()
    first = processes("worker", env)
    [scheduler] = eventually(first.children, "the worker starts its scheduler", 120)
    eventually(lambda: holders(redis) == {scheduler.pid}, "the scheduler takes its locks", 60)

    first.kill()
    second = processes("worker", env)  # at once, as a process manager would
    eventually(lambda: gone(scheduler), "the killed worker's scheduler ends", 30)
    [successor] = eventually(second.children, "the next worker starts its scheduler", 120)
    eventually(lambda: holders(redis) == {successor.pid}, "the next one's scheduler takes them")

    job = Queue(Priority.DEFAULT, connection=redis).enqueue_in(
        timedelta(seconds=1), "os.getpid", result_ttl=600
    )
    eventually(lambda: job.get_status() == JobStatus.FINISHED, "the scheduled job runs", 60)
    assert job.return_value() == second.pid
