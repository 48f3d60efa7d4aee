"""What the lifecycle property test needs besides its steps: databases, a pacer, and readers."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from notifier.clock import FixedClock
from notifier.compliance.keys import Caller
from notifier.metrics import REGISTRY
from notifier.models import Message, StatusStep
from notifier.sending import lifecycle
from notifier.sending.lifecycle import Source
from tests.conftest import SENDER, START, empty_postgres
from tests.fakes.work import FakeJobQueue, add_caller, add_queue, fake_unit

TICK = timedelta(milliseconds=1)


class Databases:
    """A fresh database for each example: migrated, with the "desk" queue and a producer's key.

    On SQLite each example gets a copy of one seeded file; on PostgreSQL the tables are emptied
    and seeded again.
    """

    def __init__(self, migrated_url: str, folder: Path) -> None:
        self._migrated = migrated_url
        self._copy = folder / "example.db"
        self._seeded: Path | None = None
        if migrated_url.startswith("sqlite:///"):
            self._seeded = folder / "seeded.db"
            shutil.copy(migrated_url.removeprefix("sqlite:///"), self._seeded)
            self.caller = _seed(f"sqlite:///{self._seeded}")

    def fresh(self) -> str:
        """The URL of the database for the next example."""
        if self._seeded is None:
            empty_postgres(self._migrated)
            self.caller = _seed(self._migrated)
            return self._migrated
        for old in self._copy.parent.glob(self._copy.name + "*"):  # the last example's, and WAL
            old.unlink()
        shutil.copy(self._seeded, self._copy)
        return f"sqlite:///{self._copy}"


def _seed(url: str) -> Caller:
    unit = fake_unit(url, FixedClock(START), FakeJobQueue())
    add_queue(unit, sender=SENDER)
    caller = add_caller(unit)
    unit.db.dispose()
    return caller


class TickingClock(FixedClock):
    """A clock that moves on a millisecond each time it is read, as real time passes between
    two transactions; tests move it further with `set`."""

    def now(self) -> datetime:
        """A moment a little later than the last one told."""
        self.at += TICK
        return self.at


def refusals(current: str, to: str) -> float:
    """How many moves from `current` to `to` the lifecycle has refused in this process."""
    labels = {"from_status": current, "to_status": to}
    return REGISTRY.get_sample_value("notifier_illegal_transitions_total", labels) or 0.0


def history_errors(message: Message) -> list[str]:
    """What in the message's history breaks the table of moves; empty when nothing does."""
    moves = [step for step in message.history if not _is_note(step)]
    if not moves or moves[0].source != Source.DECISION:
        return [f"{message.id}: its history does not start with its decision"]
    errors = [
        f"{message.id}: {a.status} -> {b.status} ({b.source}) is not an allowed move"
        for a, b in zip(moves, moves[1:], strict=False)
        if not lifecycle.may_move(a.status, b.status)
    ]
    if moves[-1].status != message.status:
        errors.append(f"{message.id}: status {message.status}, history ends {moves[-1].status}")
    return errors


def _is_note(step: StatusStep) -> bool:
    """A callback kept as evidence without moving the message (`lifecycle.note`)."""
    return step.source == Source.CALLBACK and (step.detail or "").startswith("not applied")
