"""The courier: a batch of decided texts claimed at once, checked again, paced, sent, recorded.

One UPDATE claims the batch; one transaction checks each text again (stale? still allowed?);
each sender's texts get their pacing slots in one round trip to Redis, and those beyond the
horizon go back to wait, staggered; the rest are sent concurrently, each at its slot, and
recorded in one transaction. Safe to run twice: only the run that moves a text from `pending`
to `sending` sends it, and a text left in `sending` by a crash is looked up at the provider
before any retry. If Redis stops answering the pacing, the texts not yet started go back to
wait, pending, a few seconds; those already sent are recorded as usual.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from consent.confirmation import WINDOW_PASSED
from consent.policy import Outcome
from consent.records import ConsentFact
from notifier.compliance import ledger
from notifier.errors import ProviderError
from notifier.metrics import SEND_SECONDS
from notifier.models import Message, Ticket
from notifier.phones import mask
from notifier.sending import callbacks, confirmations, lifecycle, retries
from notifier.sending.decide import Draft, consent_decision
from notifier.sending.lifecycle import MessageStatus, Source
from notifier.sending.pacing import SenderPacer
from notifier.sending.providers import OutgoingText, Receipt, SmsProvider
from notifier.work import UnitOfWork, Work, again_if_lost

log = logging.getLogger(__name__)

# Pacing slots are handed out this far ahead; a text further back waits off the schedule.
HORIZON_SECONDS = 1.0
# A message still `sending` after this long was left by a crash and is reconciled.
STUCK_AFTER = timedelta(minutes=2)
RECONCILE = "reconcile"
PACED = "paced"
# Texts that could not ask Redis for their pacing wait for it, pending, and try again then.
PACING_AWAY = "pacing_unavailable"
PACING_RETRY_SECONDS = 5.0
# Texts one worker has at the provider at once (its threads; each keeps its connection).
CONCURRENCY = 8


@dataclass(frozen=True)
class Courier:
    """What carrying texts out needs: the unit of work, the provider, the pacer, the callback."""

    unit: UnitOfWork
    provider: SmsProvider
    pacer: SenderPacer
    status_callback: str | None
    # Why a text about a ticket should no longer go (the ticket rules say), or None.
    staleness: Callable[[Message, Ticket | None], str | None]
    concurrency: int = CONCURRENCY


@dataclass(frozen=True)
class _Claimed:
    """A claimed text that may go, and how many seconds from now it may (its `send_at`)."""

    message_id: str
    text: OutgoingText
    after: float


@dataclass(frozen=True)
class _Slotted:
    """A text with its pacing slot, on this process's monotonic clock."""

    claimed: _Claimed
    at: float


def deliver(courier: Courier, message_id: str) -> str:
    """Send one decided text if it still may and should go; answer what happened."""
    return deliver_many(courier, [message_id])[message_id]


def deliver_many(courier: Courier, message_ids: Sequence[str]) -> dict[str, str]:
    """Send each decided text that still may and should go; answer what happened to each."""
    outcome: dict[str, str] = {}
    # A text in two jobs (the relay put it back) is still claimed, and sent, once.
    claimed = _claim(courier, list(dict.fromkeys(message_ids)), outcome)
    for message_id, verdict in list(outcome.items()):
        if verdict == RECONCILE:
            outcome[message_id] = retries.reconcile(courier.unit, courier.provider, message_id)
    slotted = _pace(courier, claimed, outcome)
    sent, failed, unstarted = _send(courier, slotted)
    _record(courier.unit, sent, outcome)
    for message_id, error in failed:
        outcome[message_id] = retries.failed(courier.unit, courier.provider, message_id, error)
    if unstarted:
        _wait_for_pacing(courier, [i for i, _ in unstarted], unstarted[0][1], outcome)
    return outcome


@dataclass(frozen=True)
class _Known:
    """What the recheck of a claimed batch reads, read for the whole batch at once."""

    tickets: dict[str, Ticket]
    facts: dict[str, list[ConsentFact]]
    unreachable: set[str]

    @classmethod
    def of(cls, session: Session, messages: Sequence[Message]) -> _Known:
        """The tickets and the consent of the batch's numbers, in three queries."""
        pks = {m.ticket_pk for m in messages if m.ticket_pk}
        found = session.scalars(select(Ticket).where(Ticket.id.in_(pks))).all() if pks else ()
        subjects = sorted({m.subject for m in messages})
        return cls(
            {t.id: t for t in found},
            ledger.facts_of_many(session, subjects),
            ledger.unreachable_among(session, subjects),
        )


def _claim(courier: Courier, ids: Sequence[str], outcome: dict[str, str]) -> list[_Claimed]:
    """Claim the batch and check each claimed text again, in one transaction (done again if
    it crossed another's: nothing is sent before it commits)."""
    claimed, outcomes = again_if_lost(lambda: _claimed_once(courier, ids))
    outcome.update(outcomes)
    return claimed


# A batch's texts without their histories: only the few that do not go add a step to theirs.
_BATCH = select(Message).options(lazyload(Message.history))


def _claimed_once(courier: Courier, ids: Sequence[str]) -> tuple[list[_Claimed], dict[str, str]]:
    claimed, outcome = [], {}
    with courier.unit() as work:
        won = set(lifecycle.claim(work.session, ids, work.now))
        found = work.session.scalars(_BATCH.where(Message.id.in_(ids)))
        messages = {m.id: m for m in found}
        known = _Known.of(work.session, [messages[i] for i in won if i in messages])
        for message_id in ids:
            message = messages.get(message_id)
            if message is None or message_id not in won:
                outcome[message_id] = _unclaimed(work, message)
                continue
            checked = _checked(courier, work, message, known)
            if isinstance(checked, str):
                outcome[message_id] = checked
            else:
                claimed.append(checked)
    return claimed, outcome


def _checked(courier: Courier, work: Work, message: Message, known: _Known) -> _Claimed | str:
    """A claimed text ready to go, or what became of it instead."""
    ticket = known.tickets.get(message.ticket_pk) if message.ticket_pk else None
    verdict = _recheck(work, message, ticket, courier.staleness(message, ticket), known)
    if verdict is not None:
        return verdict
    phone, sender, body = message.phone or "", message.sender or "", message.body or ""
    text = OutgoingText(phone, sender, body, courier.status_callback)
    # Claimed up to `lifecycle.EARLY` before its time, it waits for it here.
    after = (message.send_at - work.now).total_seconds() if message.send_at else 0.0
    return _Claimed(message.id, text, max(after, 0.0))


def _unclaimed(work: Work, message: Message | None) -> str:
    """Why a text could not be claimed; RECONCILE for one a crash left `sending`."""
    if message is None:
        return "unknown"
    stuck = (
        message.status == MessageStatus.SENDING
        and message.claimed_at is not None
        and message.claimed_at < work.now - STUCK_AFTER
    )
    return RECONCILE if stuck else f"already {message.status}"


def _recheck(
    work: Work, message: Message, ticket: Ticket | None, stale: str | None, known: _Known
) -> str | None:
    """Drop, block or defer a claimed text that may no longer go now; None if it may."""
    if confirmations.too_late(message, work.now):
        _move(work, message, MessageStatus.DROPPED, WINDOW_PASSED)
        return f"dropped: {WINDOW_PASSED}"
    if stale is not None:
        _move(work, message, MessageStatus.DROPPED, stale)
        return f"dropped: {stale}"
    draft = Draft(
        message.phone or "",
        message.subject,
        message.purpose,
        message.kind,
        message.locale,
        message.body,
        ticket=ticket,
    )
    decision = consent_decision(
        work.session,
        draft,
        work.now,
        facts=known.facts[message.subject],
        unreachable=message.subject in known.unreachable,
        message_id=message.id,
        decided_at=message.created_at,
    )
    if decision.outcome == Outcome.BLOCKED:
        message.reason = decision.reason
        _move(work, message, MessageStatus.BLOCKED, decision.reason)
        return f"blocked: {decision.reason}"
    if decision.outcome == Outcome.SCHEDULED and decision.send_at is not None:
        message.send_at = decision.send_at
        _move(work, message, MessageStatus.PENDING, decision.reason)
        work.requeue(message)
        return "scheduled"
    return None


def _move(work: Work, message: Message, to: MessageStatus, detail: str | None) -> None:
    lifecycle.transition(message, to, work.now, source=Source.WORKER, detail=detail)


def _pace(courier: Courier, claimed: list[_Claimed], outcome: dict[str, str]) -> list[_Slotted]:
    """Give each text its sender's next slot; put those beyond the horizon back, staggered."""
    by_sender: dict[str, list[_Claimed]] = {}
    for item in claimed:
        by_sender.setdefault(item.text.sender, []).append(item)
    slotted: list[_Slotted] = []
    later: list[tuple[str, float]] = []
    away: RedisError | None = None
    unpaced: list[str] = []
    for sender, items in by_sender.items():
        # Each slot is no sooner than its own text's time; the first due go first.
        items.sort(key=lambda item: item.after)
        afters = [item.after for item in items]
        if away is None:
            try:
                got = courier.pacer.reserve_many(sender, afters, horizon=HORIZON_SECONDS)
            except RedisError as error:
                away = error
        if away is not None:  # once Redis has not answered, no other sender waits on it
            unpaced += [item.message_id for item in items]
            continue
        start = time.monotonic() - got.now
        slotted += [_Slotted(item, start + at) for item, at in zip(items, got.slots, strict=False)]
        later += [
            (item.message_id, got.waiting(index) - got.now)
            for index, item in enumerate(items[got.granted :])
        ]
    if later:
        retries.back_to_pending_many(courier.unit, later, PACED)
        outcome.update((message_id, "deferred") for message_id, _ in later)
    if away is not None:
        _wait_for_pacing(courier, unpaced, away, outcome)
    return slotted


def _wait_for_pacing(
    courier: Courier, unstarted: list[str], error: RedisError, outcome: dict[str, str]
) -> None:
    """Put back, pending, claimed texts that never started because Redis did not answer."""
    log.warning("Redis unreachable for pacing, %d texts wait: %s", len(unstarted), error)
    later = [(message_id, PACING_RETRY_SECONDS) for message_id in unstarted]
    retries.back_to_pending_many(courier.unit, later, PACING_AWAY)
    outcome.update((message_id, "deferred") for message_id in unstarted)


def _send(
    courier: Courier, slotted: list[_Slotted]
) -> tuple[
    list[tuple[str, Receipt]], list[tuple[str, ProviderError]], list[tuple[str, RedisError]]
]:
    """Hand each text to the provider at its slot, several at once; answer receipts, errors,
    and the texts that never started because Redis did not answer their pacing check.

    A sender's texts start in slot order (each waits for its sender's one before it to start),
    so they still reach the provider front of the line first; only their round trips overlap,
    and a sender held back by its pacing holds back no other. Texts to one customer do not
    overlap at all: each waits until the provider has the one before it, so they arrive in the
    order they were decided.
    """
    slotted = sorted(slotted, key=lambda s: s.at)
    started = [threading.Event() for _ in slotted]
    handed = [threading.Event() for _ in slotted]
    # For each text, the index of the text before it from the same sender, and to the same
    # customer (or None).
    after_sender = _previous([s.claimed.text.sender for s in slotted])
    after_customer = _previous([s.claimed.text.to for s in slotted])
    # Once Redis has failed one text's check, the texts not yet started do not each wait on it.
    redis_away: list[RedisError] = []

    def one(index: int) -> Receipt | ProviderError | RedisError:
        if (previous := after_sender[index]) is not None:
            started[previous].wait()
        if (previous := after_customer[index]) is not None:
            handed[previous].wait()
        try:
            if redis_away:
                return redis_away[0]
            return _send_one(courier, slotted[index], started[index])
        except RedisError as error:
            redis_away.append(error)
            return error
        finally:  # whatever happened, the texts behind it are free to go
            started[index].set()
            handed[index].set()

    if len(slotted) <= 1:
        results = [one(index) for index in range(len(slotted))]
    else:
        with ThreadPoolExecutor(max_workers=min(courier.concurrency, len(slotted))) as pool:
            results = list(pool.map(one, range(len(slotted))))
    pairs = [(s.claimed.message_id, r) for s, r in zip(slotted, results, strict=True)]
    sent = [(i, r) for i, r in pairs if isinstance(r, Receipt)]
    failed = [(i, r) for i, r in pairs if isinstance(r, ProviderError)]
    unstarted = [(i, r) for i, r in pairs if isinstance(r, RedisError)]
    return sent, failed, unstarted


def _previous(keys: Sequence[str]) -> list[int | None]:
    """For each key, the index of the one before it that is the same, or None."""
    last: dict[str, int] = {}
    before = []
    for index, key in enumerate(keys):
        before.append(last.get(key))
        last[key] = index
    return before


def _send_one(
    courier: Courier, slotted: _Slotted, started: threading.Event
) -> Receipt | ProviderError:
    """Send one text at its slot, once its sender's recent texts leave room for it.

    A sender's texts start one after another (see `_send`). A text may find its slot long past
    (the machine was busy, an answer was slow); it still waits for room among the texts its
    sender sent in the last second, in this worker and in every other (see `pacing`).
    """
    provider, sender = courier.provider, slotted.claimed.text.sender
    if (wait := slotted.at - time.monotonic()) > 0:
        time.sleep(wait)  # a slot less than the horizon away: waiting beats a round trip
    token = uuid.uuid4().hex
    while (wait := courier.pacer.start(sender, token)) > 0:
        time.sleep(wait)
    started.set()
    try:
        with SEND_SECONDS.labels(provider.name).time():
            receipt = provider.send(slotted.claimed.text)
    except ProviderError as error:
        return error
    finally:
        _ended(courier.pacer, sender, token)
    log.info("sent %s to %s", slotted.claimed.message_id, mask(slotted.claimed.text.to))
    return receipt


def _ended(pacer: SenderPacer, sender: str, token: str) -> None:
    """Tell the pacing a text has ended. The text has gone: should Redis not answer now, its
    sender's next texts wait as if it had taken the longest a send may take."""
    try:
        pacer.ended(sender, token)
    except RedisError as error:
        log.warning("Redis unreachable for pacing, a text's end is not noted: %s", error)


def _record(unit: UnitOfWork, sent: list[tuple[str, Receipt]], outcome: dict[str, str]) -> None:
    """Keep the provider's id of every text it took, in one transaction."""
    if not sent:
        return
    receipts = {message_id: (r.provider_sid, r.status) for message_id, r in sent}
    with unit() as work:
        callbacks.sent_many(work, receipts, Source.WORKER)
    outcome.update((message_id, MessageStatus.SENT) for message_id in receipts)
