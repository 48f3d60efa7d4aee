"""What becomes of a claimed text that did not simply go: paced, failed, retried, reconciled."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select

from notifier.errors import ProviderError
from notifier.models import Message
from notifier.phones import mask
from notifier.sending import callbacks, lifecycle
from notifier.sending.lifecycle import MessageStatus, Source
from notifier.sending.providers import SmsProvider
from notifier.work import UnitOfWork, Work

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0
# Twilio may date a message a little before our clock said we sent it.
CLOCK_SKEW = timedelta(minutes=1)


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1-based): exponential, capped, with jitter."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def back_to_pending_many(unit: UnitOfWork, later: list[tuple[str, float]], why: str) -> None:
    """Return claimed texts to `pending`, each due its seconds from now, back on their queues."""
    delays = dict(later)
    with unit() as work:
        for message in work.session.scalars(select(Message).where(Message.id.in_(delays))):
            send_at = work.now + timedelta(seconds=delays[message.id])
            _again(work, message, send_at, Source.WORKER, why)


def failed(unit: UnitOfWork, provider: SmsProvider, message_id: str, error: ProviderError) -> str:
    """Retry a transient failure with backoff; record a permanent one and what it means."""
    if error.ambiguous:
        # Twilio may have the text although we never heard its answer: look before resending.
        log.warning("no answer about %s: %s; reconciling", message_id, error.detail)
        return reconcile(unit, provider, message_id)
    with unit() as work:
        message = work.session.get_one(Message, message_id)
        attempts = message.attempts
        retry = error.transient and attempts < MAX_ATTEMPTS
        if retry:
            retry_at = work.now + timedelta(seconds=backoff(attempts))
            _again(work, message, retry_at, Source.WORKER, "retry", error.code)
        else:
            lifecycle.transition(
                message,
                MessageStatus.FAILED,
                work.now,
                source=Source.WORKER,
                error_code=error.code,
                detail=str(error)[:200],
            )
            callbacks.consequences(work, message, error.code)
    log.warning("send of %s failed (attempt %d): %s", message_id, attempts, error.detail)
    return "retrying" if retry else f"failed: {error.code}"


def reconcile(unit: UnitOfWork, provider: SmsProvider, message_id: str) -> str:
    """A text left `sending` by a crash: ask the provider whether it went before retrying."""
    with unit() as work:
        message = work.session.get_one(Message, message_id)
        to, body, claimed = message.phone or "", message.body or "", message.claimed_at
    assert claimed is not None
    try:
        receipt = provider.find_sent(to, body, claimed - CLOCK_SKEW)
    except ProviderError as error:
        log.warning("cannot reconcile %s yet: %s", message_id, error.detail)
        return "reconcile_later"
    with unit() as work:
        message = work.session.get_one(Message, message_id)
        if receipt is not None:
            callbacks.sent(work, message, receipt.provider_sid, receipt.status, Source.RECONCILE)
            return "reconciled: sent"
        retry_at = work.now + timedelta(seconds=backoff(message.attempts))
        _again(work, message, retry_at, Source.RECONCILE, "not at provider")
    log.info("%s to %s was not at the provider; sending again", message_id, mask(to))
    return "reconciled: resend"


def _again(
    work: Work,
    message: Message,
    send_at: datetime,
    source: Source,
    why: str,
    error_code: int | None = None,
) -> None:
    """Back to `pending`, due at `send_at`, and onto the queue again after the commit."""
    message.send_at = send_at
    moved = lifecycle.transition(
        message, MessageStatus.PENDING, work.now, source=source, detail=why, error_code=error_code
    )
    if moved:
        work.requeue(message)
