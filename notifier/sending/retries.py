"""What becomes of a claimed text that did not simply go: stale, failed, retried, reconciled."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from notifier.errors import ProviderError
from notifier.events.tickets import WAITING_KINDS
from notifier.models import Message, Ticket
from notifier.phones import mask
from notifier.sending import callbacks
from notifier.sending.decide import set_status
from notifier.sending.dispatch import Due
from notifier.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0
# Twilio may date a message a little before our clock said we sent it.
CLOCK_SKEW = timedelta(minutes=1)
TICKET_KINDS = frozenset({*WAITING_KINDS, "called"})


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1-based): exponential, capped, with jitter."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def staleness(message: Message, ticket: Ticket | None) -> str | None:
    """Why a ticket text should no longer go, or None if it still should."""
    if message.kind not in TICKET_KINDS or message.ticket_pk is None:
        return None
    if ticket is None or ticket.state == "closed":
        return "ticket_closed"
    if message.kind in WAITING_KINDS and ticket.state == "called":
        return "ticket_called"
    return None


def back_to_pending(svc: Services, message_id: str, send_at: datetime, why: str) -> None:
    """Return a claimed text to `pending`, due at `send_at`."""
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        message.send_at = send_at
        set_status(message, "pending", svc.clock.now(), source="worker", detail=why)


def failed(svc: Services, message_id: str, error: ProviderError) -> str:
    """Retry a transient failure with backoff; record a permanent one and what it means."""
    if error.ambiguous:
        # Twilio may have the text although we never heard its answer: look before resending.
        log.warning("no answer about %s: %s; reconciling", message_id, error.detail)
        return reconcile(svc, message_id)
    now = svc.clock.now()
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        attempts, priority = message.attempts, message.priority
        if error.transient and attempts < MAX_ATTEMPTS:
            retry_at = now + timedelta(seconds=backoff(attempts))
            message.send_at = retry_at
            set_status(
                message, "pending", now, source="worker", detail="retry", error_code=error.code
            )
        else:
            set_status(
                message,
                "failed",
                now,
                source="worker",
                error_code=error.code,
                detail=str(error)[:200],
            )
            callbacks.consequences(session, svc, message, error.code, now)
    log.warning("send of %s failed (attempt %d): %s", message_id, attempts, error.detail)
    if error.transient and attempts < MAX_ATTEMPTS:
        svc.dispatcher.enqueue([Due(message_id, priority, retry_at)])
        return "retrying"
    return f"failed: {error.code}"


def reconcile(svc: Services, message_id: str) -> str:
    """A text left `sending` by a crash: ask the provider whether it went before retrying."""
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        to, body, claimed = message.phone or "", message.body or "", message.claimed_at
        priority = message.priority
    assert claimed is not None
    try:
        receipt = svc.provider.find_sent(to, body, claimed - CLOCK_SKEW)
    except ProviderError as error:
        log.warning("cannot reconcile %s yet: %s", message_id, error.detail)
        return "reconcile_later"
    now = svc.clock.now()
    with svc.db.session() as session:
        message = session.get_one(Message, message_id)
        if receipt is not None:
            message.provider_sid, message.sent_at = receipt.provider_sid, now
            set_status(message, "sent", now, source="reconcile", detail=receipt.status)
            return "reconciled: sent"
        retry_at = now + timedelta(seconds=backoff(message.attempts))
        message.send_at = retry_at
        set_status(message, "pending", now, source="reconcile", detail="not at provider")
    log.info("%s to %s was not at the provider; sending again", message_id, mask(to))
    svc.dispatcher.enqueue([Due(message_id, priority, retry_at)])
    return "reconciled: resend"
