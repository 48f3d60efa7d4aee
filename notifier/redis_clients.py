"""Clients of the service's Redis: one server by `REDIS_URL`, or the master Redis Sentinel names.

How long a process waits on Redis depends on what it is doing. A web request must not wait:
what it could not enqueue stays in the database and the relay enqueues it later. A worker or the
relay has nobody waiting on it and sends pipelines of hundreds of jobs, so it can afford to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from notifier.config import Settings

HEALTH_CHECK_SECONDS = 30


@dataclass(frozen=True)
class Patience:
    """How long a process waits on Redis: per command, per connect, and how often it retries."""

    socket_timeout: float
    connect_timeout: float
    retries: int


# A request gives Redis a tenth of a second and no second try.
WEB = Patience(socket_timeout=0.1, connect_timeout=0.1, retries=0)
# Workers and the relay wait seconds, and try again a few times, before calling Redis away.
BACKGROUND = Patience(socket_timeout=5.0, connect_timeout=2.0, retries=3)


def connect(settings: Settings, patience: Patience) -> Redis:
    """A client of the service's Redis: the sentinels' master if they are set, else REDIS_URL.

    Nothing connects yet; through the sentinels, every new connection asks them for the master,
    so a client follows a failover by itself.
    """
    options = client_options(patience)
    if settings.redis_sentinels:
        # redis-py's Sentinel has no type information.
        master: Redis = sentinel(settings, patience).master_for(  # type: ignore[no-untyped-call]
            settings.redis_sentinel_master, **options
        )
        return master
    return Redis.from_url(settings.redis_url, **options)


def client_options(patience: Patience) -> dict[str, Any]:
    """The keyword arguments of a redis-py client that waits as `patience` says."""
    backoff = ExponentialWithJitterBackoff(cap=1.0, base=0.05) if patience.retries else NoBackoff()
    return {
        "socket_timeout": patience.socket_timeout,
        "socket_connect_timeout": patience.connect_timeout,
        "retry": Retry(backoff, patience.retries),
        "health_check_interval": HEALTH_CHECK_SECONDS,
    }


def sentinel(settings: Settings, patience: Patience) -> Sentinel:
    """The service's sentinels; one that does not answer in time is skipped for the next."""
    timeout = patience.connect_timeout
    return Sentinel(  # type: ignore[no-untyped-call]
        list(settings.redis_sentinels),
        sentinel_kwargs={"socket_timeout": timeout, "socket_connect_timeout": timeout},
    )
