"""The ticket rules and opt-outs run through the service's unit of work on a real database,
with a fake job queue in place of Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifier.clock import FixedClock
from notifier.compliance.keys import Caller
from notifier.events.tickets import staleness
from notifier.sending.courier import Courier
from notifier.work import UnitOfWork
from tests.fakes.sms import FakePacer, FakeSmsProvider
from tests.fakes.work import FakeJobQueue, add_caller, add_queue, fake_unit


@pytest.fixture
def jobs() -> FakeJobQueue:
    """What the rules put on the queues after their commits."""
    return FakeJobQueue()


@pytest.fixture
def unit(database_url: str, clock: FixedClock, jobs: FakeJobQueue) -> Iterator[UnitOfWork]:
    """The unit of work the rules run in, on an empty database with the "desk" queue."""
    unit = fake_unit(database_url, clock, jobs)
    add_queue(unit)
    yield unit
    unit.db.dispose()


@pytest.fixture
def caller(unit: UnitOfWork) -> Caller:
    """The producer posting the events."""
    return add_caller(unit)


@pytest.fixture
def provider(clock: FixedClock) -> FakeSmsProvider:
    """The SMS provider the worker sends through."""
    return FakeSmsProvider(clock)


@pytest.fixture
def courier(unit: UnitOfWork, provider: FakeSmsProvider) -> Courier:
    """What a worker carries texts out with: pacing never holds a text back here."""
    return Courier(unit, provider, FakePacer(), None, staleness)  # type: ignore[arg-type]
