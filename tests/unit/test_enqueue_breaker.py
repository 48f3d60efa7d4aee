"""The breaker in front of enqueueing: opened by Redis's failures only, and never a queue that
a web process's threads wait in."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from pybreaker import CircuitBreakerError
from redis.exceptions import TimeoutError as RedisTimeoutError

from notifier.sending.dispatch import BREAKER_FAIL_MAX, enqueue_breaker

THREADS = 8


def test_redis_failures_in_a_row_open_it_and_then_nothing_is_tried() -> None:
    breaker = enqueue_breaker()
    for _ in range(BREAKER_FAIL_MAX - 1):
        with pytest.raises(RedisTimeoutError), breaker.calling():
            raise RedisTimeoutError("Timeout reading from socket")
    with pytest.raises(CircuitBreakerError), breaker.calling():
        raise RedisTimeoutError("Timeout reading from socket")

    tried = []
    with pytest.raises(CircuitBreakerError), breaker.calling():
        tried.append("enqueue")
    assert breaker.current_state == "open" and tried == []


def test_other_errors_do_not_count_against_redis() -> None:
    breaker = enqueue_breaker()
    for _ in range(BREAKER_FAIL_MAX * 2):
        with pytest.raises(ValueError), breaker.calling():
            raise ValueError("a bug, not an outage")

    assert breaker.current_state == "closed"


def test_threads_enqueue_side_by_side_not_one_after_another() -> None:
    breaker = enqueue_breaker()
    # Every thread waits here for all the others: it passes only if they are inside together.
    together = threading.Barrier(THREADS, timeout=10)

    def enqueue() -> int:
        with breaker.calling():
            return together.wait()

    with ThreadPoolExecutor(THREADS) as pool:
        arrivals = sorted(pool.map(lambda _: enqueue(), range(THREADS)))

    assert arrivals == list(range(THREADS))
