"""`/metrics`: the processes' counters added up, and the states read when Prometheus asks.

Texts by status come from the database and the RQ queues from Redis at each scrape, so the
answer is the same whichever process gives it. A store that does not answer leaves its
metrics out of that scrape (and `notifier_scrape_errors` says so) rather than failing it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from notifier.metrics import REGISTRY
from notifier.models import Message
from notifier.sending.lifecycle import MessageStatus
from notifier.services import Services
from notifier.startup import METRICS_DIR


def exposition(svc: Services) -> bytes:
    """Every metric, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(METRICS_DIR):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector(svc))
    return generate_latest(registry)


class _ThisProcess(Collector):
    """This process's own counters, when it is the only one counting."""

    def collect(self) -> Iterator[Metric]:
        """What the process registry holds."""
        yield from REGISTRY.collect()


class StateCollector(Collector):
    """Gauges read from the database and Redis at scrape time."""

    def __init__(self, svc: Services) -> None:
        self._svc = svc

    def collect(self) -> Iterator[Metric]:
        """Texts by status, each queue's depth and the age of its oldest job."""
        errors = GaugeMetricFamily(
            "notifier_scrape_errors", "Stores that did not answer this scrape", labels=["store"]
        )
        try:
            yield self._texts()
        except SQLAlchemyError:
            errors.add_metric(["database"], 1)
        try:
            yield from self._queues()
        except RedisError:
            errors.add_metric(["redis"], 1)
        yield errors

    def _texts(self) -> Metric:
        with self._svc.db.session() as session:
            rows = session.execute(
                select(Message.status, func.count(Message.id)).group_by(Message.status)
            ).all()
        counts = {status: count for status, count in rows}
        family = GaugeMetricFamily(
            "notifier_messages", "Texts decided, by status", labels=["status"]
        )
        for status in MessageStatus:
            family.add_metric([status], counts.get(status, 0))
        return family

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "notifier_rq_queue_jobs", "Jobs waiting on each RQ queue", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "notifier_rq_oldest_job_age_seconds",
            "How long the job at the head of each RQ queue has waited (0 when empty)",
            labels=["queue"],
        )
        now = datetime.now(UTC)  # RQ stamps jobs with the wall clock, not the service's clock
        for name, queue in self._svc.dispatcher.queues.items():
            depth.add_metric([name], queue.count)
            age.add_metric([name], _oldest_wait(queue, now))
        yield depth
        yield age


def _oldest_wait(queue: Queue, now: datetime) -> float:
    """Seconds the job at the head of `queue` has waited; 0 for an empty queue."""
    head = queue.get_job_ids(0, 1)
    job = queue.fetch_job(head[0]) if head else None
    if job is None or job.enqueued_at is None:
        return 0.0
    return max((now - job.enqueued_at).total_seconds(), 0.0)
