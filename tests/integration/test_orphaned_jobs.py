"""The relay puts back on the queue a job that a worker took and died with: taken off its queue
and never begun, or begun and never finished. The text goes once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rq import Queue
from rq.job import JobStatus

from notifier.clock import FixedClock
from notifier.models import Message
from notifier.services import Services
from tests.conftest import joined, run_worker
from tests.integration.test_relay import accept_one
from workers.relay import CHECK_JOBS_AFTER, relay_once
from workers.worker import Worker


def status(svc: Services, message_id: str) -> str:
    """The text's status."""
    with svc.db.session() as session:
        return session.get_one(Message, message_id).status


def test_a_job_taken_by_a_worker_that_died_before_beginning_it_goes_again_once(
    app: Any, svc: Services, admin_key: str, clock: FixedClock
) -> None:
    taken = accept_one(app, admin_key)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {admin_key}"}
    client.post("/v1/events", json=joined("e2", "A2", "+13055550102"), headers=headers)
    default = svc.dispatcher.queues["default"]
    job, _ = Queue.dequeue_any([default], None, connection=svc.redis)  # as a worker takes it
    assert job.get_status() == JobStatus.QUEUED and default.count == 1

    clock.set(clock.now() + CHECK_JOBS_AFTER + timedelta(seconds=1))
    assert relay_once(svc) == 1  # the taken one; the other is still on the queue, behind it
    run_worker(svc)

    assert status(svc, taken) == "sent"
    assert relay_once(svc) == 0


def test_a_job_begun_by_a_worker_that_died_goes_again_once_its_time_is_up(
    app: Any, svc: Services, admin_key: str, clock: FixedClock
) -> None:
    begun = accept_one(app, admin_key)
    default = svc.dispatcher.queues["default"]
    job, _ = Queue.dequeue_any([default], None, connection=svc.redis)
    worker = Worker([default], connection=svc.redis, services=svc)
    worker.prepare_execution(job)  # what RQ does before it runs a job; then the worker dies
    worker.prepare_job_execution(job)
    assert job.get_status() == JobStatus.STARTED

    clock.set(datetime.now(UTC) + timedelta(minutes=1))  # RQ's registry keeps real time
    assert relay_once(svc) == 0  # its worker may still be at it
    clock.set(datetime.now(UTC) + timedelta(minutes=10))
    assert relay_once(svc) == 1
    run_worker(svc)

    assert status(svc, begun) == "sent"
    assert relay_once(svc) == 0
