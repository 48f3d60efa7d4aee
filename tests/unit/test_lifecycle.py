"""A text's lifecycle keeps its promises under any interleaving of workers, carriers and customers.

Hypothesis drives random sequences of steps through the real domain functions on a real
database: tickets joining, moving, being called and closed; workers delivering (paced, failing,
retrying, dying mid-send, reconciling); Twilio's status callbacks in any order, repeated; and
customers texting STOP, HELP or STATUS. After every step it checks that
- no message reaches the provider twice;
- nothing reaches a number once an opt-out (a STOP, or the carrier's 21610) is recorded for it,
  but the opt-out confirmation and answers to what the customer asked after it (a number that
  opted out gives no new consent in a run);
and at the end of a run, that
- every status in each message's history was reached by a move `ALLOWED` permits, and the
  message's status is the last of them (the history keeps every move, so once is enough);
- a move the table forbids, tried from each status the run reached, changes nothing.
Each step is one of the service's own transactions, or a whole deliver job: a STOP that
lands while a text is already on its way to the provider is not a send after the opt-out, but
one that lands while a dead worker's text waits to be reconciled is modelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from notifier.events.accept import accept
from notifier.events.tickets import staleness
from notifier.inbound.receive import receive
from notifier.models import ConsentRecord, Message
from notifier.phones import KeyedPseudonymizer
from notifier.sending import lifecycle
from notifier.sending.callbacks import StatusCallback, record_callback
from notifier.sending.confirmations import OPT_OUT_CONFIRMATION
from notifier.sending.courier import STUCK_AFTER, Courier, deliver
from notifier.sending.decide import SERVICE
from notifier.sending.lifecycle import ALLOWED, EARLY, MessageStatus, Source
from notifier.work import Due
from tests.conftest import START
from tests.events import called_event, closed_event, joined_event, text_from, updated_event
from tests.fakes.sms import Answer, FakePacer, FakeSmsProvider, WorkerDied
from tests.fakes.work import SECRET, FakeJobQueue, fake_unit
from tests.unit.lifecycle_support import Databases, TickingClock, history_errors, refusals

PHONES = ("+13055550142", "+13055550143")
# Two tickets for one number, one for the other: an opt-out must cover both of its tickets.
TICKETS = {"A1": PHONES[0], "A2": PHONES[0], "B1": PHONES[1]}
SUBJECTS = {KeyedPseudonymizer(SECRET)(phone): phone for phone in PHONES}
# What the provider does with a send: mostly it takes the text; every way it can fail is drawn.
ANSWERS = st.sampled_from([Answer.TAKEN, Answer.TAKEN, *Answer])
# Pacing rarely holds a text back; when it does, the text goes back to `pending` for later.
PACED = st.sampled_from([False, False, False, True])
CALLBACK_STATUSES = ("queued", "sent", "delivered", "undelivered", "failed", "read")
# Retries come back within a minute or so; a text left `sending` is reconciled after STUCK_AFTER.
CLOCK_STEPS = (timedelta(seconds=1), timedelta(seconds=70), STUCK_AFTER + timedelta(seconds=1))

SETTINGS = settings(
    # Bounded for `make test`: every step is a real transaction or a whole deliver job.
    max_examples=100,
    stateful_step_count=12,
    derandomize=True,  # the same examples on every run: a failure is never a fluke
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class Lifecycle(RuleBasedStateMachine):
    """One service on its own database, driven step by step."""

    def __init__(self, databases: Databases) -> None:
        super().__init__()
        self.clock = TickingClock(START)
        self.jobs = FakeJobQueue()
        self.unit = fake_unit(databases.fresh(), self.clock, self.jobs)
        self.caller = databases.caller
        self.provider = FakeSmsProvider(self.clock)
        self.pacer = FakePacer()
        self.courier = Courier(self.unit, self.provider, self.pacer, None, staleness)  # type: ignore[arg-type]
        self.joined: list[str] = []
        self.messages: list[str] = []  # every text decided, in order
        self.counter = 0
        # Per number that opted out: the texts that existed then (none of them may go after).
        self.silenced: dict[str, set[str]] = {}
        self.seen_seq = 0  # the ledger records read so far
        self.sends_checked = 0

    @initialize()
    def a_customer_waits(self) -> None:
        """Every run starts with a customer in line who opted in at the kiosk."""
        self._accept(joined_event(self._next("e"), "A1", TICKETS["A1"], at=self.clock.now()))
        self.joined.append("A1")

    def _next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def _decided(self, message_ids: list[str]) -> None:
        self.messages += [i for i in message_ids if i not in self.messages]

    @rule(ticket=st.sampled_from(sorted(TICKETS)), position=st.integers(1, 12))
    def join(self, ticket: str, position: int) -> None:
        """A customer joins; a number that opted out gives no new consent in this run."""
        phone, consent = TICKETS[ticket], TICKETS[ticket] not in self.silenced
        event_id, at = self._next("e"), self.clock.now()
        self._accept(
            joined_event(event_id, ticket, phone, position=position, consent=consent, at=at)
        )
        if ticket not in self.joined:
            self.joined.append(ticket)

    @precondition(lambda self: self.joined)
    @rule(
        kind=st.sampled_from(["updated", "called", "closed"]),
        pick=st.integers(0, 10),
        position=st.integers(1, 12),
        eta=st.sampled_from([None, 5, 25, 40]),
    )
    def ticket_event(self, kind: str, pick: int, position: int, eta: int | None) -> None:
        """The ticket moves in line or its estimate changes; it is called; it leaves."""
        event_id, at = self._next("e"), self.clock.now()
        ticket = self.joined[pick % len(self.joined)]
        if kind == "updated":
            self._accept(updated_event(event_id, ticket, position=position, eta=eta, at=at))
        else:
            self._accept(
                (closed_event if kind == "closed" else called_event)(event_id, ticket, at=at)
            )

    def _accept(self, event: Any) -> None:
        _, answer = accept(self.unit, self.caller, event, None)
        self._decided([n.id for n in answer.notifications or []])

    @rule(
        phone=st.sampled_from([PHONES[0], PHONES[0], PHONES[1]]),
        body=st.sampled_from(["STOP", "HELP", "STATUS"]),
        twilio_answered=st.booleans(),
    )
    def reply(self, phone: str, body: str, twilio_answered: bool) -> None:
        """A customer texts; Twilio's Advanced Opt-Out may have answered a STOP already."""
        answered = body if twilio_answered and body == "STOP" else None
        receive(self.unit, text_from(phone, body, self._next("SMin"), opt_out_type=answered))
        self._decided(self.jobs.deliveries())

    @precondition(lambda self: self._ready())
    @rule(pick=st.integers(0, 10), answer=ANSWERS, paced=PACED)
    def run_job(self, pick: int, answer: Answer, paced: bool) -> None:
        """A worker takes a due deliver job off the queue; provider and pacer answer as drawn."""
        job = self._ready()[pick % len(self._ready())]
        self.jobs.due.remove(job)
        self._deliver(job.row_id, answer, paced)

    @precondition(lambda self: self.messages)
    @rule(pick=st.integers(0, 20), answer=ANSWERS, paced=PACED)
    def run_stray_job(self, pick: int, answer: Answer, paced: bool) -> None:
        """A deliver job runs for any text: twice, late, early, or put back by the relay."""
        self._deliver(self.messages[pick % len(self.messages)], answer, paced)

    def _ready(self) -> list[Due]:
        """The deliver jobs RQ would hand a worker now (later ones wait in its scheduler)."""
        now = self.clock.at + EARLY
        return [d for d in self.jobs.due if d.send_at is None or d.send_at <= now]

    def _deliver(self, message_id: str, answer: Answer, paced: bool) -> None:
        self.provider.script.append(answer)
        self.pacer.far_off = paced
        try:
            with self.provider.carrying(message_id):
                deliver(self.courier, message_id)
        except WorkerDied:
            pass  # the text stays `sending`, claimed, until a later job reconciles it
        self.provider.script.clear()

    @rule(by=st.sampled_from(CLOCK_STEPS), lookups_fail=st.booleans())
    def wait(self, by: timedelta, lookups_fail: bool) -> None:
        """Time passes; the provider's message list may be unreachable for a while."""
        self.clock.set(self.clock.at + by)
        self.provider.lookups_fail = lookups_fail

    @precondition(lambda self: self.provider.taken)
    @rule(
        pick=st.integers(0, 20),
        status=st.sampled_from(CALLBACK_STATUSES),
        code=st.sampled_from([None, 30003, 21610]),
    )
    def callback(self, pick: int, status: str, code: int | None) -> None:
        """Twilio reports on a text it took: any status, in any order, again and again."""
        taken = self.provider.taken[pick % len(self.provider.taken)]
        failed = status in ("undelivered", "failed")
        record_callback(self.unit, StatusCallback(taken.sid, status, code if failed else None))

    @invariant()
    def sent_once_and_never_after_an_opt_out(self) -> None:
        """This step's sends, against the opt-outs known before it; then this step's opt-outs."""
        taken = self.provider.taken[self.sends_checked :]
        self.sends_checked = len(self.provider.taken)
        with self.unit.db.session() as session:
            for text in taken:
                self._check_send(session.get_one(Message, text.message_id), text.text.to)
            revoked = session.execute(
                select(ConsentRecord.seq, ConsentRecord.subject)
                .where(ConsentRecord.action == "revoke", ConsentRecord.seq > self.seen_seq)
                .order_by(ConsentRecord.seq)
            ).all()
            for seq, subject in revoked:
                then = session.scalars(
                    select(Message.id).where(
                        Message.subject == subject, Message.kind != OPT_OUT_CONFIRMATION
                    )
                )
                self.silenced.setdefault(SUBJECTS[subject], set()).update(then)
                self.seen_seq = seq

    def _check_send(self, message: Message, to: str) -> None:
        """A text just taken is its message's only one, and its number may still have it."""
        assert self.provider.sends()[message.id] == 1, f"{message.id} sent twice"
        silenced = self.silenced.get(to)
        if silenced is None or message.kind == OPT_OUT_CONFIRMATION:
            return
        asked_since = message.purpose == SERVICE and message.id not in silenced
        assert asked_since, f"{message.kind} {message.id} sent after its number opted out"

    def teardown(self) -> None:
        """Every history follows the table of moves; a forbidden move changes nothing."""
        try:
            with self.unit() as work:
                messages = list(work.session.scalars(select(Message)))
                before = {m.id: (m.status, len(m.history)) for m in messages}
                for number, message in enumerate(messages):
                    assert not history_errors(message), history_errors(message)
                    _refuses_a_forbidden_move(message, number, work.now)
            with self.unit() as work:
                after = {
                    m.id: (m.status, len(m.history)) for m in work.session.scalars(select(Message))
                }
            assert after == before
        finally:
            self.unit.db.dispose()


def _refuses_a_forbidden_move(message: Message, pick: int, now: datetime) -> None:
    """A move the table forbids from the message's status is refused, counted, and leaves the
    message as it was."""
    status, steps = message.status, len(message.history)
    forbidden = [s for s in MessageStatus if s not in ALLOWED.get(MessageStatus(status), ())]
    to = forbidden[pick % len(forbidden)]
    counted = refusals(status, to)
    assert not lifecycle.transition(message, to, now, source=Source.WORKER)
    assert refusals(status, to) == counted + 1
    assert (message.status, len(message.history)) == (status, steps)


def test_random_steps_keep_the_lifecycle_promises(migrated_database: str, tmp_path: Path) -> None:
    databases = Databases(migrated_database, tmp_path)
    run_state_machine_as_test(lambda: Lifecycle(databases), settings=SETTINGS)
