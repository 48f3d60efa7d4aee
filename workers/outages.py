"""Waiting out a Redis outage in a worker or its scheduler: with backoff, for as long as it takes.

A worker has nothing to do without Redis, and nobody waits on it: quitting would only leave
texts unsent until someone restarts it. So it waits, trying again less and less often.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from rq.exceptions import StopRequested

# Redis is away: down, restarting, hung past the socket timeout, or failing over (a client of
# the sentinels that reaches a demoted master gets a ConnectionError too).
REDIS_AWAY = (RedisConnectionError, RedisTimeoutError)
# Between tries: a quarter of a second at first, doubling, never more than half a minute.
BACKOFF = ExponentialWithJitterBackoff(cap=30.0, base=0.25)


def wait_for_redis(
    connection: Redis, log: logging.Logger, who: str, stopping: Callable[[], bool]
) -> None:
    """Return once Redis answers PING again; raise `StopRequested` if asked to stop meanwhile."""
    log.warning("%s: Redis is away; waiting for it to come back", who)

    def still_away(error: Exception, failures: int) -> None:
        if stopping():
            raise StopRequested()
        if failures == 1 or failures % 10 == 0:
            log.warning("%s: Redis still away after %d tries: %s", who, failures, error)

    Retry(BACKOFF, retries=-1, supported_errors=REDIS_AWAY).call_with_retry(
        connection.ping, still_away, with_failure_count=True
    )
    log.info("%s: Redis is back; carrying on", who)
