"""Delivering one text: claimed once, checked again, paced, sent, recorded.

Safe to run twice: only the run that moves the message from `pending` to `sending` sends it,
and a message left in `sending` by a crash is looked up at the provider before any retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from consent.policy import Outcome
from notifier.errors import ProviderError
from notifier.models import Message, Ticket
from notifier.phones import mask
from notifier.sending import lifecycle, retries
from notifier.sending.decide import Draft, consent_decision
from notifier.sending.lifecycle import MessageStatus, Source
from notifier.sending.pacing import SenderPacer
from notifier.sending.providers import OutgoingText, Receipt, SmsProvider
from notifier.work import UnitOfWork, Work

log = logging.getLogger(__name__)

# A worker sleeps for a pacing slot this close; a later slot puts the text back on the queue.
MAX_PACING_SLEEP_SECONDS = 1.0
# A message still `sending` after this long was left by a crash and is reconciled.
STUCK_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class Courier:
    """What carrying texts out needs: the unit of work, the provider, the pacer, the callback."""

    unit: UnitOfWork
    provider: SmsProvider
    pacer: SenderPacer
    status_callback: str | None
    # Why a text about a ticket should no longer go (the ticket rules say), or None.
    staleness: Callable[[Message, Ticket | None], str | None]


def deliver(courier: Courier, message_id: str) -> str:
    """Send one decided text if it still may and should go; answer what happened."""
    with courier.unit() as work:
        won = lifecycle.claim(work.session, [message_id], work.now)
        verdict: str | None
        if not won:
            verdict = _unclaimed(work, message_id)
        else:
            message = work.session.get_one(Message, message_id)
            verdict = _recheck(work, message, courier.staleness(message, _ticket(work, message)))
            text = OutgoingText(
                message.phone or "",
                message.sender or "",
                message.body or "",
                courier.status_callback,
            )
    if verdict == "reconcile":
        return retries.reconcile(courier.unit, courier.provider, message_id)
    if verdict is not None:
        return verdict
    if not _paced(courier, message_id, text.sender):
        return "deferred"
    try:
        receipt = courier.provider.send(text)
    except ProviderError as error:
        return retries.failed(courier.unit, courier.provider, message_id, error)
    _sent(courier.unit, message_id, receipt)
    log.info("sent %s to %s", message_id, mask(text.to))
    return "sent"


def _unclaimed(work: Work, message_id: str) -> str:
    """Why a text could not be claimed; "reconcile" for one a crash left `sending`."""
    message = work.session.get(Message, message_id)
    if message is None:
        return "unknown"
    stuck = (
        message.status == MessageStatus.SENDING
        and message.claimed_at is not None
        and message.claimed_at < work.now - STUCK_AFTER
    )
    return "reconcile" if stuck else f"already {message.status}"


def _ticket(work: Work, message: Message) -> Ticket | None:
    return work.session.get(Ticket, message.ticket_pk) if message.ticket_pk else None


def _recheck(work: Work, message: Message, stale: str | None) -> str | None:
    """Drop, block or defer a claimed text that may no longer go now; None if it may."""
    ticket = _ticket(work, message)
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
        work.session, draft, work.now, message_id=message.id, decided_at=message.created_at
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


def _paced(courier: Courier, message_id: str, sender: str) -> bool:
    """Wait for the sender's next slot; if it is far off, put the text back for then."""
    granted, wait = courier.pacer.reserve(sender, max_wait=MAX_PACING_SLEEP_SECONDS)
    if granted:
        if wait > 0:
            time.sleep(wait)  # a slot less than a second away: waiting beats a round trip
        return True
    retries.back_to_pending(courier.unit, message_id, timedelta(seconds=wait), "paced")
    return False


def _sent(unit: UnitOfWork, message_id: str, receipt: Receipt) -> None:
    with unit() as work:
        message = work.session.get_one(Message, message_id)
        lifecycle.sent(message, receipt.provider_sid, receipt.status, work.now, Source.WORKER)
