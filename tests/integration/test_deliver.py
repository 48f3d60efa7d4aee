"""The deliver job: claimed once, sent once, retried when it should be, reconciled after a crash."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from rq.job import Job
from sqlalchemy import select, update

from notifier.clock import FixedClock
from notifier.models import ConsentRecord, Message, Suppression
from notifier.sending import retries as outcomes
from notifier.sending.courier import STUCK_AFTER
from notifier.sending.providers import OutgoingText
from notifier.services import Services
from tests.conftest import SENDER, joined, run_worker, use_fake_twilio
from tests.fakes.twilio import FakeTwilio
from tests.guard import forget_keys
from workers.deliver import deliver, deliver_many
from workers.relay import CHECK_JOBS_AFTER, relay_once
from workers.worker import Worker

PHONE = "+13055550142"


@pytest.fixture
def overrides(overrides: dict[str, Any], fake_twilio: FakeTwilio) -> dict[str, Any]:
    """Send through the real Twilio client to the fake."""
    return use_fake_twilio(overrides, fake_twilio)


@pytest.fixture
def message_id(app: Any, svc: Services, admin_key: str) -> str:
    """A queued acknowledgment, accepted through the API but not yet delivered."""
    client: FlaskClient = app.test_client()
    headers = {"Authorization": f"Bearer {admin_key}"}
    client.put(
        "/v1/queues/desk", json={"name": "Desk", "timezone": "America/New_York"}, headers=headers
    )
    answer = client.post("/v1/events", json=joined("evt-1", "A17", PHONE), headers=headers)
    forget_keys(svc.redis)  # the tests run the job by hand
    return str(answer.get_json()["notifications"][0]["id"])


def status_of(svc: Services, message_id: str) -> Message:
    """The message as stored now."""
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        session.expunge(message)
        return message


def test_running_the_job_twice_sends_once(
    svc: Services, message_id: str, fake_twilio: FakeTwilio
) -> None:
    assert deliver(message_id) == "sent"
    assert deliver(message_id) == "already sent"

    assert len(fake_twilio.messages) == 1
    message = status_of(svc, message_id)
    assert message.provider_sid == fake_twilio.messages[0].sid
    assert [h.status for h in message.history] == ["pending", "sending", "sent"]
    assert (message.encoding, message.segments) == ("GSM-7", 2)  # counted and recorded
    assert len(message.body or "") > 160


def test_transient_failure_retries_later_with_backoff(
    svc: Services, message_id: str, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    fake_twilio.fail_next(status=503)

    assert deliver(message_id) == "retrying"
    message = status_of(svc, message_id)
    assert message.status == "pending" and message.send_at is not None
    assert message.send_at > clock.now()
    assert deliver(message_id) == "already pending"  # not before its time

    clock.set(message.send_at)
    assert deliver(message_id) == "sent"
    assert len(fake_twilio.messages) == 1


def test_permanent_failure_is_recorded_with_the_twilio_code(
    svc: Services, message_id: str, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(status=400, code=21614)

    assert deliver(message_id) == "failed: 21614"

    message = status_of(svc, message_id)
    assert (message.status, message.error_code) == ("failed", 21614)
    with svc.db.session() as session:
        assert session.get(Suppression, message.subject) is not None


def test_carrier_opt_out_writes_a_revocation(
    svc: Services, message_id: str, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(status=400, code=21610)

    deliver(message_id)

    with svc.db.session() as session:
        last = session.scalars(select(ConsentRecord).order_by(ConsentRecord.seq.desc())).first()
        assert last is not None
        assert (last.action, last.method) == ("revoke", "carrier")


def test_timeout_after_twilio_got_the_text_is_reconciled_not_resent(
    svc: Services, message_id: str, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.hang_next(0.5)  # Twilio takes the text but answers too late
    svc.provider._http.timeout = 0.1  # type: ignore[attr-defined]

    assert deliver(message_id) == "reconciled: sent"

    assert len(fake_twilio.messages) == 1
    message = status_of(svc, message_id)
    assert (message.status, message.provider_sid) == ("sent", fake_twilio.messages[0].sid)


def test_text_left_sending_by_a_crash_that_reached_twilio_is_not_sent_again(
    svc: Services, message_id: str, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    message = status_of(svc, message_id)
    _crash_while_sending(svc, message_id)
    svc.provider.send(OutgoingText(PHONE, SENDER, message.body or "", None))  # then it died

    clock.set(clock.now() + STUCK_AFTER + timedelta(seconds=1))
    assert relay_once(svc) == 1
    run_worker(svc)

    assert len(fake_twilio.messages) == 1
    assert status_of(svc, message_id).status == "sent"


def test_text_left_sending_that_never_reached_twilio_is_sent_once(
    svc: Services, message_id: str, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    _crash_while_sending(svc, message_id)

    clock.set(clock.now() + STUCK_AFTER + timedelta(seconds=1))
    relay_once(svc)
    run_worker(svc)  # not at Twilio: back to pending, retried after a backoff
    retry_at = status_of(svc, message_id).send_at
    assert retry_at is not None
    clock.set(retry_at)
    assert deliver(message_id) == "sent"

    assert len(fake_twilio.messages) == 1
    assert status_of(svc, message_id).status == "sent"


def _crash_while_sending(svc: Services, message_id: str) -> None:
    """Leave the message as a worker that died mid-send would: claimed, `sending`."""
    with svc.db.session() as session:
        session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(status="sending", claimed_at=svc.clock.now(), send_at=None)
        )


def accept(app: Any, admin_key: str, count: int, phone: str | None = None) -> list[str]:
    """`count` customers join (or one customer `count` times, with `phone`), each event putting
    its own deliver job on the queue."""
    client: FlaskClient = app.test_client()
    headers = {"Authorization": f"Bearer {admin_key}"}
    client.put(
        "/v1/queues/desk", json={"name": "Desk", "timezone": "America/New_York"}, headers=headers
    )
    return [
        client.post(
            "/v1/events", json=joined(f"e{n}", f"A{n}", phone or f"+1305555011{n}"), headers=headers
        ).get_json()["notifications"][0]["id"]
        for n in range(count)
    ]


def test_a_job_takes_the_jobs_waiting_behind_it_and_their_texts_go_once(
    app: Any, svc: Services, admin_key: str, fake_twilio: FakeTwilio
) -> None:
    ids = accept(app, admin_key, 3)
    default = svc.dispatcher.queues["default"]
    behind = default.job_ids[1:]

    Worker([default], connection=svc.redis, services=svc).work(burst=True, max_jobs=1)

    assert sorted(m.to for m in fake_twilio.messages) == [f"+1305555011{n}" for n in range(3)]
    assert {status_of(svc, i).status for i in ids} == {"sent"}
    assert default.count == 0  # the jobs behind it are gone, not left to run for nothing
    assert Job.fetch_many(behind, connection=svc.redis) == [None, None]


def test_texts_of_taken_jobs_whose_worker_died_are_put_back_by_the_relay(
    app: Any, svc: Services, admin_key: str, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    ids = accept(app, admin_key, 2)
    assert sorted(svc.dispatcher.take_waiting("default", 10)) == sorted(ids)  # then it died
    assert svc.dispatcher.queues["default"].count == 0

    clock.set(clock.now() + CHECK_JOBS_AFTER + timedelta(seconds=1))
    assert relay_once(svc) == 2
    run_worker(svc)

    assert len(fake_twilio.messages) == 2
    assert {status_of(svc, i).status for i in ids} == {"sent"}


def test_a_text_in_two_jobs_is_sent_once(
    app: Any, svc: Services, admin_key: str, fake_twilio: FakeTwilio
) -> None:
    [message_id] = accept(app, admin_key, 1)

    assert deliver_many([message_id, message_id]) == "1 sent"

    assert len(fake_twilio.messages) == 1


def test_backoff_grows_and_stays_capped() -> None:
    firsts = [outcomes.backoff(1) for _ in range(50)]
    later = [outcomes.backoff(12) for _ in range(50)]

    assert all(1.0 <= s <= 2.0 for s in firsts)
    assert all(s <= outcomes.BACKOFF_CAP_SECONDS for s in later)
    assert len(set(firsts)) > 1  # jittered


def test_texts_to_one_customer_reach_twilio_in_the_order_they_were_decided(
    app: Any, svc: Services, admin_key: str, fake_twilio: FakeTwilio
) -> None:
    ids = accept(app, admin_key, 2, PHONE)  # tickets A0 and A1
    fake_twilio.delay_next(0.3)  # the first one takes longer to get there

    assert deliver_many(ids) == "2 sent"

    assert [m.sid for m in fake_twilio.messages] == [status_of(svc, i).provider_sid for i in ids]
    assert ["A0" in m.body for m in fake_twilio.messages] == [True, False]
