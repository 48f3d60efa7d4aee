"""The unit of work: one transaction, its moment, and the jobs to put on the queues once it commits.

Every request, reply and batch that changes something does it inside `with unit() as work:`.
The database is the system of record: jobs go to Redis only after the commit, so a job never
names a row that is not there, and a job that could not be queued is found later by the relay.

    with unit() as work:
        ...decide texts: work.decided(message)...
    # committed; the texts decided to go are now on their queues
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from consent.policy import Outcome
from notifier.clock import Clock
from notifier.db import Database, write_rows
from notifier.models import Event, Fanout, Message, StatusStep
from notifier.phones import Pseudonymizer

T = TypeVar("T")
log = logging.getLogger(__name__)
# Leaders of shared units at once, where the database lets writers work at once.
LEADERS = 2
# PostgreSQL's codes for a transaction it rolled back because it crossed another (a deadlock, a
# serialization failure): nothing of it was written, and the same work may be done again.
LOST_TO_ANOTHER = frozenset({"40P01", "40001"})
# How many times work that lost to another transaction is done in all.
ATTEMPTS = 3


@dataclass(frozen=True)
class Due:
    """A row whose job should be on a queue: which one, how urgent, from when."""

    row_id: str
    priority: str
    send_at: datetime | None


@dataclass(frozen=True)
class PlannedJob:
    """One job about to go on a queue: its id is written on its rows before they commit."""

    job_id: str
    func: str
    priority: str
    row_ids: tuple[str, ...]
    # When the scheduler should put it on its queue; None: now.
    at: datetime | None


@dataclass(frozen=True)
class JobCall:
    """One job to enqueue by its function's dotted name, now or after `delay`."""

    priority: str
    func: str
    args: tuple[object, ...]
    delay: timedelta | None = None


class JobQueue(Protocol):
    """Where jobs go after a commit: RQ in the service, a list in the rules' unit tests."""

    def plan(self, texts: Sequence[Due], fanout_ids: Sequence[str]) -> list[PlannedJob]:
        """The jobs that will carry these texts (in batches) and fan-outs (one each)."""

    def push(self, jobs: Sequence[PlannedJob]) -> int:
        """Put planned jobs on their queues; answer how many got there (the relay does the rest)."""

    def enqueue_job(self, call: JobCall) -> bool:
        """Enqueue one job; False if it could not be."""


@dataclass
class Work:
    """What one transaction works with, and what it leaves to enqueue after the commit."""

    session: Session
    now: datetime
    pseudonymize: Pseudonymizer
    # The sender of texts whose queue names none (None: such texts are blocked).
    default_sender: str | None
    # Named in HELP answers when the queue names no contact of its own (SUPPORT_CONTACT).
    support_contact: str | None = None
    messages: list[Message] = field(default_factory=list)
    requeued: list[Message] = field(default_factory=list)
    fanouts: list[str] = field(default_factory=list)
    jobs: list[JobCall] = field(default_factory=list)
    # Messages a fan-out decided in bulk, as rows with the first steps of their histories:
    # inserted in one statement each when the work commits, with their job ids.
    rows: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    # Events' answers, each with its row's id: written on their rows at the commit, at once.
    answers: list[dict[str, Any]] = field(default_factory=list)

    def decided(self, message: Message) -> Message:
        """Remember a message decided in this work; it is enqueued after the commit if it goes."""
        self.messages.append(message)
        return message

    def decided_rows(self, rows: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
        """Remember message rows decided in bulk and their first steps; inserted at the commit."""
        self.rows.extend(rows)
        self.steps.extend(steps)

    def requeue(self, message: Message) -> None:
        """Put a message back on its queue after the commit, due at its `send_at`."""
        self.requeued.append(message)

    def due(self) -> list[Due]:
        """The queueing facts of the messages to put on a queue (now or at their `send_at`)."""
        rows = [
            Due(r["id"], r["priority"], r["send_at"])
            for r in self.rows
            if Outcome(r["decision"]).goes
        ]
        return due_of([*self.messages, *self.requeued]) + rows


def due_of(messages: Sequence[Message]) -> list[Due]:
    """The queueing facts of those of `messages` whose decision is to send them."""
    return [Due(m.id, m.priority, m.send_at) for m in messages if Outcome(m.decision).goes]


@dataclass
class _Turn(Generic[T]):
    """One act waiting to run in a shared unit of work, and what it came to."""

    act: Callable[[Work], T]
    taken: bool = False  # by a leader (set while holding `_arrived`)
    done: bool = False
    answer: T | None = None
    error: Exception | None = None
    finished: threading.Event = field(default_factory=threading.Event)


# A committed unit's work and the jobs planned for it, to put on their queues.
_Committed = tuple[Work, list[PlannedJob]]


class UnitOfWork:
    """Opens units of work on one database and one job queue."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        jobs: JobQueue,
        pseudonymize: Pseudonymizer,
        default_sender: str | None,
        support_contact: str | None = None,
    ) -> None:
        self.db, self.clock, self.jobs = db, clock, jobs
        self._pseudonymize, self._default_sender = pseudonymize, default_sender
        self._support_contact = support_contact
        # `shared`: the acts waiting for a leader, and the leaders that may run at once. On
        # SQLite, whose writers take turns, one; elsewhere, while one group waits on the
        # database's answers, another can run.
        self._waiting: list[_Turn[Any]] = []
        self._arrived = threading.Lock()
        self.leaders = 1 if db.writers_take_turns else LEADERS
        self._leading = threading.Semaphore(self.leaders)

    @contextmanager
    def __call__(self) -> Iterator[Work]:
        """One transaction: committed on success, rolled back on error; then the jobs queued."""
        with self.db.session() as session:
            work = self._work(session)
            yield work
            planned = self._plan(work)
        self._queue(work, planned)

    def shared(self, act: Callable[[Work], T]) -> T:
        """Do `act` in one unit of work with the acts other threads bring while it waits.

        Group commit: a thread leads, and runs every act waiting then in one transaction,
        with one commit and one round trip to Redis; each thread gets its own act's answer
        once that transaction has committed. An act that comes alone runs at once, in a unit
        of its own. If an act of a group fails, the group's transaction is rolled back and
        each of its acts runs again alone: one bad act fails only itself.
        """
        turn = _Turn(act)
        with self._arrived:
            self._waiting.append(turn)
        with self._leading:
            if not turn.taken:  # no leader took it yet: lead the acts waiting now
                self._lead()
        turn.finished.wait()
        if turn.error is not None:
            raise turn.error
        return turn.answer  # type: ignore[return-value]  # done: set by its act

    @property
    def waiting(self) -> int:
        """How many acts wait now for a leader to run them."""
        with self._arrived:
            return len(self._waiting)

    def _lead(self) -> None:
        committed: list[_Committed] = []
        group: list[_Turn[Any]] = []
        try:
            # The acts are taken once it is this thread's turn to write (SQLite's writers take
            # turns, across processes): those that arrive while it waits join this group.
            with self.db.writers_turn():
                with self._arrived:
                    group, self._waiting = self._waiting, []
                    for turn in group:
                        turn.taken = True
                if not group:  # another leader took this thread's act meanwhile
                    return
                if len(group) == 1 or not self._together(group, committed):
                    for turn in group:
                        self._alone(turn, committed)
            for work, planned in committed:  # the next writer need not wait for Redis
                self._queue(work, planned)
        finally:
            for turn in group:  # a leader stopped by BaseException leaves no thread waiting
                if not turn.done:
                    turn.error, turn.done = RuntimeError("the unit of work was interrupted"), True
                turn.finished.set()

    def _together(self, group: list[_Turn[Any]], committed: list[_Committed]) -> bool:
        """Run the group in one transaction; False, with nothing written, if any act failed."""
        try:
            answers, done = self._commit([turn.act for turn in group])
        except Exception:
            return False
        committed.append(done)
        for turn, answer in zip(group, answers, strict=True):
            turn.answer, turn.done = answer, True
        return True

    def _alone(self, turn: _Turn[Any], committed: list[_Committed]) -> None:
        try:
            (turn.answer,), done = again_if_lost(lambda: self._commit([turn.act]))
        except Exception as error:
            turn.error = error
        else:
            committed.append(done)
        turn.done = True

    def _commit(self, acts: Sequence[Callable[[Work], Any]]) -> tuple[list[Any], _Committed]:
        """Do the acts in one transaction and commit it; its jobs are still to be queued.

        Not `with self()`: an error while queueing, after the commit, must not make a leader
        run committed acts again.
        """
        with self.db.session() as session:
            work = self._work(session)
            answers = [act(work) for act in acts]
            planned = self._plan(work)
        return answers, (work, planned)

    def _work(self, session: Session) -> Work:
        return Work(
            session,
            self.clock.now(),
            self._pseudonymize,
            self._default_sender,
            self._support_contact,
        )

    def _queue(self, work: Work, planned: list[PlannedJob]) -> None:
        """After the commit: put the planned jobs and the other calls on their queues."""
        if planned:
            self.jobs.push(planned)
        for call in work.jobs:
            self.jobs.enqueue_job(call)

    def _plan(self, work: Work) -> list[PlannedJob]:
        """Plan the jobs and write their ids on their rows, in the transaction about to commit.

        What Redis then refuses, the relay finds: a pending row whose job Redis does not know.
        """
        due = work.due()
        planned = self.jobs.plan(due, work.fanouts) if due or work.fanouts else []
        rows: dict[str, Message | Fanout] = {m.id: m for m in [*work.messages, *work.requeued]}
        for fanout_id in work.fanouts:
            rows[fanout_id] = work.session.get_one(Fanout, fanout_id)
        bulk = {row["id"]: row for row in work.rows}
        for job in planned:
            for row_id in job.row_ids:
                if row_id in bulk:
                    bulk[row_id]["job_id"] = job.job_id
                else:
                    rows[row_id].job_id = job.job_id
        # Core rows, not ORM objects: the ORM's bulk insert costs more per row than the
        # database does, and these rows need nothing from the ORM.
        write_rows(
            work.session,
            inserts=[(Message, work.rows), (StatusStep, work.steps)],
            updates=[(Event, work.answers)],
        )
        return planned


def again_if_lost(work: Callable[[], T]) -> T:
    """Do `work`, which runs in a transaction of its own, again while the database rolls that
    transaction back for crossing another's (`LOST_TO_ANOTHER`), up to `ATTEMPTS` times in all.

    Two transactions that lock the same rows in another order deadlock, and the database ends
    one: a web process's group of events, which withdraws texts ticket by ticket, and a
    worker's claim of a batch of texts can. The transaction ended wrote nothing.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return work()
        except DBAPIError as error:
            if attempt == ATTEMPTS or getattr(error.orig, "sqlstate", None) not in LOST_TO_ANOTHER:
                raise
            log.info("a transaction crossed another's and was rolled back: doing it again")
    raise AssertionError("unreachable: the last attempt answers or raises")


def once(
    unit: UnitOfWork, seen: Callable[[Session], T | None], act: Callable[[Work], T]
) -> tuple[T, bool]:
    """Do `act` in one unit of work unless it was done before; answer (result, duplicate).

    `act` adds its own unique row first and flushes, so that a repeat, or a concurrent twin,
    fails there before any work; it then answers as `seen` finds the first one. Most requests
    are new, so none of them pays for looking first.
    """
    try:
        return unit.shared(act), False
    except IntegrityError:
        with unit() as work:
            earlier = seen(work.session)
        if earlier is None:
            raise
        return earlier, True
