"""The worker's last look before the provider: an opt-out stops what was asked before it.

STOP blocks the texts still waiting; these are the ones it could not reach: an answer that a
dead worker left `sending`, and one waiting when the carrier reports the opt-out (21610).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifier.clock import FixedClock
from notifier.compliance.keys import Caller
from notifier.events.accept import accept
from notifier.inbound.receive import receive
from notifier.sending.courier import STUCK_AFTER, Courier, deliver
from notifier.work import UnitOfWork
from tests.events import joined_event, text_from
from tests.fakes.sms import Answer, FakeSmsProvider, WorkerDied
from tests.fakes.work import FakeJobQueue

PHONE = "+13055550142"
LATER = timedelta(seconds=1)


def run(courier: Courier, provider: FakeSmsProvider, message_id: str) -> str:
    """The deliver job of one text, as a worker runs it; what the provider takes is counted."""
    with provider.carrying(message_id):
        return deliver(courier, message_id)


def test_an_answer_a_crash_left_sending_does_not_go_after_a_stop(
    unit: UnitOfWork,
    jobs: FakeJobQueue,
    courier: Courier,
    provider: FakeSmsProvider,
    clock: FixedClock,
) -> None:
    receive(unit, text_from(PHONE, "STATUS", "SM1"))
    [answer] = jobs.deliveries()
    provider.script.append(Answer.CRASH)
    with pytest.raises(WorkerDied):
        run(courier, provider, answer)  # the worker dies with the answer claimed, before it left
    clock.set(clock.now() + LATER)
    receive(unit, text_from(PHONE, "STOP", "SM2"))

    clock.set(clock.now() + STUCK_AFTER + LATER)
    assert run(courier, provider, answer) == "reconciled: resend"  # not at the provider
    clock.set(clock.now() + timedelta(minutes=5))  # past the retry's backoff

    assert run(courier, provider, answer) == "blocked: opted_out"
    assert provider.taken == []


def test_an_answer_waiting_when_the_carrier_reports_an_opt_out_does_not_go(
    unit: UnitOfWork,
    caller: Caller,
    jobs: FakeJobQueue,
    courier: Courier,
    provider: FakeSmsProvider,
    clock: FixedClock,
) -> None:
    accept(unit, caller, joined_event("e1", "A17", PHONE), None)
    receive(unit, text_from(PHONE, "STATUS", "SM1"))
    acknowledgment, answer = jobs.deliveries()
    provider.script.append(Answer.OPTED_OUT)
    clock.set(clock.now() + LATER)
    assert run(courier, provider, acknowledgment) == "failed: 21610"

    clock.set(clock.now() + LATER)
    assert run(courier, provider, answer) == "blocked: opted_out"
    assert provider.taken == []


def test_the_confirmation_of_a_stop_goes_even_after_a_second_stop(
    unit: UnitOfWork,
    jobs: FakeJobQueue,
    courier: Courier,
    provider: FakeSmsProvider,
    clock: FixedClock,
) -> None:
    receive(unit, text_from(PHONE, "STOP", "SM1"))
    [confirmation] = jobs.deliveries()
    clock.set(clock.now() + LATER)
    receive(unit, text_from(PHONE, "STOP", "SM2"))
    clock.set(clock.now() + LATER)

    assert run(courier, provider, confirmation) == "sent"
    assert [t.message_id for t in provider.taken] == [confirmation]


def test_help_asked_after_a_stop_is_answered(
    unit: UnitOfWork,
    jobs: FakeJobQueue,
    courier: Courier,
    provider: FakeSmsProvider,
    clock: FixedClock,
) -> None:
    receive(unit, text_from(PHONE, "STOP", "SM1"))
    clock.set(clock.now() + LATER)
    receive(unit, text_from(PHONE, "HELP", "SM2"))
    _, answer = jobs.deliveries()

    assert run(courier, provider, answer) == "sent"
    assert [t.message_id for t in provider.taken] == [answer]


def test_an_answer_asked_after_a_stop_does_not_go_once_the_carrier_blocks_the_number(
    unit: UnitOfWork,
    jobs: FakeJobQueue,
    courier: Courier,
    provider: FakeSmsProvider,
    clock: FixedClock,
) -> None:
    receive(unit, text_from(PHONE, "STOP", "SM1"))
    clock.set(clock.now() + LATER)
    receive(unit, text_from(PHONE, "HELP", "SM2"))
    confirmation, answer = jobs.deliveries()
    provider.script.append(Answer.OPTED_OUT)
    clock.set(clock.now() + LATER)
    assert run(courier, provider, confirmation) == "failed: 21610"

    clock.set(clock.now() + LATER)
    assert run(courier, provider, answer) == "blocked: opted_out"
    assert provider.taken == []
