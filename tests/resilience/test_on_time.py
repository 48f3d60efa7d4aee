"""A text due at `t` goes out between `t` and `t + 2 s`: after a retry, and when paced.

RQ schedules in whole seconds, so the job of a text due at 12:00:00.7 can start at 12:00:00.1;
the worker's claim takes it (up to a second early) and the courier holds it until its time. Each
test runs a real worker process with its scheduler and measures, at the fake Twilio, when each
text arrived against the `send_at` stored on it. No relay runs: a text the worker refused would
wait for the relay's next look, a minute later, and miss its two seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from notifier.clock import SystemClock
from notifier.models import Message
from notifier.sending.lifecycle import MessageStatus
from notifier.services import Services
from tests.conftest import Api, LiveServer
from tests.fakes.twilio import FakeTwilio
from tests.resilience.conftest import accept, phone, service_env
from tests.servers import ServiceProcess, eventually

# How late a text due at `t` may reach Twilio.
ON_TIME = timedelta(seconds=2)
RETRIED = range(1, 13)
CROWD = range(1, 41)
# Texts a second one sender may send: a batch of the crowd's waits a second or more, and the
# moments the held-back texts are due spread over whole seconds.
SENDER_MPS = 20


@pytest.fixture
def clock() -> SystemClock:
    """The real clock: the worker is a process of its own, and RQ's scheduler reads it too."""
    return SystemClock()


@dataclass(frozen=True)
class Sent:
    """A text as the service stored it and as Twilio got it."""

    to: str
    kind: str
    send_at: datetime | None
    steps: tuple[str | None, ...]
    arrived: datetime


def sent_texts(svc: Services, twilio: FakeTwilio) -> list[Sent]:
    """Every text Twilio accepted, with the time it was due and why it waited."""
    arrived = {m.sid: m.received_at for m in twilio.messages}
    with svc.db.session() as session:
        messages = session.scalars(
            select(Message)
            .where(Message.provider_sid.in_(arrived))
            .options(selectinload(Message.history))
        )
        return [
            Sent(
                m.phone or "",
                m.kind,
                m.send_at,
                tuple(step.detail for step in m.history),
                arrived[m.provider_sid or ""],
            )
            for m in messages
        ]


def recorded(svc: Services, twilio: FakeTwilio, count: int) -> list[Sent]:
    """The texts Twilio accepted, once `count` of them are recorded as sent (else none). Fails
    at once if a text is still waiting two seconds after it was due."""
    overdue = svc.clock.now() - ON_TIME
    with svc.db.session() as session:
        late = session.execute(
            select(Message.phone, Message.kind, Message.send_at).where(
                Message.status == MessageStatus.PENDING, Message.send_at < overdue
            )
        ).all()
    assert not late, f"still waiting more than {ON_TIME.seconds} s after they were due: {late}"
    texts = sent_texts(svc, twilio)
    return texts if len(texts) >= count else []


def assert_on_time(text: Sent) -> None:
    """The text reached Twilio no sooner than it was due, and less than two seconds after."""
    assert text.send_at is not None, text
    due, arrived = text.send_at, text.arrived.astimezone(UTC)
    assert due <= arrived <= due + ON_TIME, (
        f"due at {due:%H:%M:%S.%f}, arrived at {arrived:%H:%M:%S.%f} "
        f"({(arrived - due).total_seconds():+.3f} s): {text}"
    )


def test_a_retried_text_reaches_twilio_within_two_seconds_of_its_retry_time(
    api: Api,
    svc: Services,
    live: LiveServer,
    overrides: dict[str, Any],
    fake_twilio: FakeTwilio,
    processes: Callable[[str, dict[str, str]], ServiceProcess],
) -> None:
    api.put_queue("desk")
    for n in RETRIED:  # waiting on the queue before the worker starts
        accept(api, n)
    # Twilio is briefly unavailable: every first try fails, each text is retried a second or
    # two later, at a moment RQ's whole seconds round down.
    fake_twilio.fail_next(status=503, times=len(RETRIED))
    processes("worker", service_env(overrides, live))

    texts = eventually(
        lambda: recorded(svc, fake_twilio, len(RETRIED)), "every retried text is sent", 120
    )

    assert sorted(t.to for t in texts) == [phone(n) for n in RETRIED]
    assert len(fake_twilio.requests) == 2 * len(RETRIED)  # one refused try, one retry each
    for text in texts:
        assert "retry" in text.steps, text
        assert_on_time(text)


def test_texts_held_back_by_pacing_reach_twilio_within_two_seconds_of_their_turn(
    api: Api,
    svc: Services,
    live: LiveServer,
    overrides: dict[str, Any],
    fake_twilio: FakeTwilio,
    processes: Callable[[str, dict[str, str]], ServiceProcess],
) -> None:
    api.put_queue("desk")
    processes("worker", service_env(overrides, live, SENDER_MPS=str(SENDER_MPS)))
    for n in CROWD:
        accept(api, n)
    eventually(lambda: recorded(svc, fake_twilio, len(CROWD)), "the welcome texts are sent", 120)

    # One delay notice to each of the crowd, decided together: one sender, one batch, more
    # texts than a second of pacing holds.
    delay = {
        "id": "late-1",
        "type": "queue.delayed",
        "occurred_at": datetime.now(UTC).isoformat(),
        "queue_id": "desk",
        "delay_minutes": 20,
        "reason": "a power cut",
    }
    answer = api.event(delay)
    assert answer.status_code == 202, answer.text
    texts = eventually(
        lambda: recorded(svc, fake_twilio, 2 * len(CROWD)), "the delay notices are sent", 120
    )

    paced = [t for t in texts if "paced" in t.steps]
    notices = [t for t in paced if t.kind != "joined"]
    # A second of pacing holds SENDER_MPS + 1 texts (it counts both ends): the rest waited.
    assert len(notices) >= len(CROWD) - (SENDER_MPS + 1), texts
    for text in paced:
        assert_on_time(text)
