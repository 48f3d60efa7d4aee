"""The relay puts back on the queue what Redis will never run: lost jobs and failed ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from rq.job import JobStatus

from notifier.clock import FixedClock
from notifier.models import Message
from notifier.services import Services
from tests.conftest import joined, run_worker
from workers.relay import CHECK_JOBS_AFTER, relay_once


def accept_one(app: Any, admin_key: str) -> str:
    """Accept a `ticket.joined` through the API; answer its text's id."""
    client: FlaskClient = app.test_client()
    headers = {"Authorization": f"Bearer {admin_key}"}
    client.put(
        "/v1/queues/desk", json={"name": "Desk", "timezone": "America/New_York"}, headers=headers
    )
    answer = client.post("/v1/events", json=joined("e1", "A1", "+13055550101"), headers=headers)
    return str(answer.get_json()["notifications"][0]["id"])


def test_a_text_whose_job_failed_is_enqueued_again_and_sent_once(
    app: Any, svc: Services, admin_key: str, clock: FixedClock
) -> None:
    message_id = accept_one(app, admin_key)
    default = svc.dispatcher.queues["default"]
    [job] = default.jobs
    default.remove(job)
    job.set_status(JobStatus.FAILED)  # as if it had raised before claiming the text

    assert relay_once(svc) == 0  # too young to check
    clock.set(clock.now() + CHECK_JOBS_AFTER + timedelta(seconds=1))
    assert relay_once(svc) == 1
    run_worker(svc)

    with svc.db.session() as session:
        assert session.get_one(Message, message_id).status == "sent"
    assert relay_once(svc) == 0


def test_a_text_whose_job_is_still_waiting_is_left_alone(
    app: Any, svc: Services, admin_key: str, clock: FixedClock
) -> None:
    accept_one(app, admin_key)
    clock.set(clock.now() + CHECK_JOBS_AFTER + timedelta(minutes=10))

    assert relay_once(svc) == 0
    assert svc.dispatcher.queues["default"].count == 1
