"""A unit of work on a real database whose jobs go to a list instead of Redis.

cosmicpython's `FakeUnitOfWork` fakes the repository; here the database stays real (SQLite or
PostgreSQL, migrated) and the seam is the job queue: what a rule decides to put on RQ after
its commit is recorded, so a unit test can assert it without a Redis server.

    jobs = FakeJobQueue()
    unit = fake_unit(database_url, FixedClock(START), jobs)
    accept(unit, caller, event, None)
    assert jobs.deliveries() == [...]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from notifier.api.queue_models import QueueSettings
from notifier.clock import Clock
from notifier.compliance import keys
from notifier.compliance.keys import Caller
from notifier.db import Database
from notifier.models import ApiKey, Queue
from notifier.phones import KeyedPseudonymizer
from notifier.work import Due, JobCall, PlannedJob, UnitOfWork
from tests.conftest import SENDER

SECRET = "unit-test-secret-that-is-long-enough-0123456789"


@dataclass
class FakeJobQueue:
    """A `notifier.work.JobQueue` that remembers, in order, what it was asked to enqueue."""

    due: list[Due] = field(default_factory=list)
    fanouts: list[str] = field(default_factory=list)
    calls: list[JobCall] = field(default_factory=list)

    def plan(self, texts: Sequence[Due], fanout_ids: Sequence[str]) -> list[PlannedJob]:
        """A job per text and per fan-out, remembered as they are planned."""
        self.due.extend(texts)
        self.fanouts.extend(fanout_ids)
        jobs = [
            PlannedJob(f"job-{d.row_id}", "deliver", d.priority, (d.row_id,), None) for d in texts
        ]
        return jobs + [PlannedJob(f"job-{i}", "fanout", "bulk", (i,), None) for i in fanout_ids]

    def push(self, jobs: Sequence[PlannedJob]) -> int:
        """All of them "reach the queue"."""
        return len(jobs)

    def enqueue_job(self, call: JobCall) -> bool:
        """Remember one job call."""
        self.calls.append(call)
        return True

    def deliveries(self, priority: str | None = None) -> list[str]:
        """The ids of the messages whose deliver job was enqueued (on `priority`'s queue)."""
        return [d.row_id for d in self.due if priority is None or d.priority == priority]

    def clear(self) -> None:
        """Forget everything enqueued so far, so that a test sees only what comes next."""
        self.due.clear()
        self.fanouts.clear()
        self.calls.clear()


def fake_unit(
    database_url: str, clock: Clock, jobs: FakeJobQueue, *, default_sender: str | None = SENDER
) -> UnitOfWork:
    """The service's own unit of work on `database_url`, with its jobs going to `jobs`."""
    return UnitOfWork(
        Database(database_url), clock, jobs, KeyedPseudonymizer(SECRET), default_sender
    )


def add_queue(unit: UnitOfWork, queue_id: str = "desk", **settings: Any) -> None:
    """Create a queue with the API's defaults and `settings`, as `PUT /v1/queues` would."""
    chosen = {"name": "Service desk", "timezone": "America/New_York", "brand": "Acme", **settings}
    values = QueueSettings.model_validate(chosen).model_dump(mode="json")
    now: datetime = unit.clock.now()
    with unit.db.session() as session:
        session.add(Queue(id=queue_id, created_at=now, updated_at=now, **values))


def add_caller(unit: UnitOfWork, name: str = "producer") -> Caller:
    """A producer's API key, as the API would hand it to `accept` after authenticating it."""
    with unit.db.session() as session:
        keys.create_key(session, name, ["events:write"], unit.clock.now())
        session.flush()
        row = session.scalars(select(ApiKey).where(ApiKey.name == name)).one()
        return Caller(row.id, row.name, frozenset(row.scopes))
