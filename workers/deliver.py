"""The deliver job: one text, claimed once, checked again, paced, sent, recorded.

Safe to run twice: only the run that moves the message from `pending` to `sending` sends it,
and a message left in `sending` by a crash is looked up at the provider before any retry.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from notifier.dispatch import Due
from notifier.errors import ProviderError
from notifier.metrics import SEND_SECONDS
from notifier.models import Message, Ticket
from notifier.outbox import Draft, consent_decision, set_status
from notifier.phones import mask
from notifier.services import Services, current
from notifier.sms import OutgoingText, Receipt
from workers import outcomes

log = logging.getLogger(__name__)

# A worker sleeps for a pacing slot this close; a later slot puts the text back on the queue.
MAX_PACING_SLEEP_SECONDS = 1.0
# A message still `sending` after this long was left by a crash and is reconciled.
STUCK_AFTER = timedelta(minutes=2)


def deliver(message_id: str) -> str:
    """Send one decided text if it still may and should go; answer what happened."""
    svc = current()
    now = svc.clock.now()
    if not _claim(svc, message_id, now):
        return _unclaimed(svc, message_id, now)
    verdict = _recheck(svc, message_id, now)
    if verdict is not None:
        return verdict
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        text = OutgoingText(
            message.phone or "", message.sender or "", message.body or "", _callback(svc)
        )
        priority, sender = message.priority, message.sender or ""
    if not _paced(svc, message_id, priority, sender):
        return "deferred"
    try:
        with SEND_SECONDS.labels(svc.provider.name).time():
            receipt = svc.provider.send(text)
    except ProviderError as error:
        return outcomes.failed(svc, message_id, error)
    _sent(svc, message_id, receipt)
    log.info("sent %s to %s", message_id, mask(text.to))
    return "sent"


def _claim(svc: Services, message_id: str, now: datetime) -> bool:
    with svc.db.session() as session:
        claimed = session.scalar(
            update(Message)
            .where(
                Message.id == message_id,
                Message.status == "pending",
                or_(Message.send_at.is_(None), Message.send_at <= now),
            )
            .values(status="sending", claimed_at=now, attempts=Message.attempts + 1)
            .returning(Message.id)
        )
        if claimed is not None:
            set_status(session.get_one(Message, message_id), "sending", now, source="worker")
    return claimed is not None


def _unclaimed(svc: Services, message_id: str, now: datetime) -> str:
    with svc.db.session() as session:
        message = session.get(Message, message_id)
        if message is None:
            return "unknown"
        stuck = (
            message.status == "sending"
            and message.claimed_at is not None
            and (message.claimed_at < now - STUCK_AFTER)
        )
        status = message.status
    return outcomes.reconcile(svc, message_id) if stuck else f"already {status}"


def _recheck(svc: Services, message_id: str, now: datetime) -> str | None:
    """Drop, block or defer a claimed text that may no longer go now; None if it may."""
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        ticket = session.get(Ticket, message.ticket_pk) if message.ticket_pk else None
        stale = outcomes.staleness(message, ticket)
        if stale is not None:
            set_status(message, "dropped", now, source="worker", detail=stale)
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
        decision = consent_decision(session, svc, draft, now, message_id=message.id)
        if decision.outcome == "blocked":
            message.reason = decision.reason
            set_status(message, "blocked", now, source="worker", detail=decision.reason)
            return f"blocked: {decision.reason}"
        if decision.outcome == "scheduled" and decision.send_at is not None:
            message.send_at = decision.send_at
            set_status(message, "pending", now, source="worker", detail=decision.reason)
            due = Due(message.id, message.priority, decision.send_at)
    if decision.outcome == "scheduled":
        svc.dispatcher.enqueue([due])
        return "scheduled"
    return None


def _paced(svc: Services, message_id: str, priority: str, sender: str) -> bool:
    """Wait for the sender's next slot; if it is far off, put the text back for then."""
    granted, wait = svc.pacer.reserve(sender, max_wait=MAX_PACING_SLEEP_SECONDS)
    if granted:
        if wait > 0:
            time.sleep(wait)  # a slot less than a second away: waiting beats a round trip
        return True
    later = svc.clock.now() + timedelta(seconds=wait)
    outcomes.back_to_pending(svc, message_id, later, "paced")
    svc.dispatcher.enqueue([Due(message_id, priority, later)])
    return False


def _sent(svc: Services, message_id: str, receipt: Receipt) -> None:
    now = svc.clock.now()
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        message.provider_sid = receipt.provider_sid
        message.sent_at = now
        set_status(message, "sent", now, source="worker", detail=receipt.status)


def _callback(svc: Services) -> str | None:
    return svc.settings.status_callback_url if svc.provider.name == "twilio" else None
