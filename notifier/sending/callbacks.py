"""What the carrier tells us about a text: status callbacks, and what a failure means for a number.

Twilio's callbacks arrive out of order and sometimes twice, so a message's status only moves
forward; every callback is still written into its history, applied or not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.records import PURPOSES
from notifier.compliance import ledger
from notifier.models import ConsentRecord, Message, MessageStatus, Suppression
from notifier.phones import mask
from notifier.sending.decide import set_status
from notifier.sending.providers import OPTED_OUT, UNREACHABLE_CODES
from notifier.services import Services

log = logging.getLogger(__name__)

# How far along a text is. Twilio's own early statuses (accepted, queued, sending) all mean
# "Twilio has it", which our `sent` already says; they are history, never the status, so that
# a callback can never put a text back into our own `sending` (a claim the relay reconciles).
RANKS = {
    "pending": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "read": 4,
}
APPLIED = frozenset({"sent", "delivered", "undelivered", "failed", "read"})
FAILURES = frozenset({"undelivered", "failed"})
CALLBACK = "callback"


@dataclass(frozen=True)
class StatusCallback:
    """One delivery status callback as Twilio posts it."""

    message_sid: str
    status: str
    error_code: int | None


def parse_error_code(raw: str | None) -> int | None:
    """Twilio's `ErrorCode` field as a number; absent, empty or odd values are no code."""
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())


def moves_forward(current: str, reported: str) -> bool:
    """Whether a reported status is further along than the message's current one."""
    if reported not in APPLIED or current not in RANKS:
        return False
    return RANKS[reported] > RANKS[current]


def record_callback(svc: Services, callback: StatusCallback) -> bool:
    """Apply one callback to its message; False (and nothing changed) for an unknown sid."""
    now = svc.clock.now()
    with svc.db.session() as session:
        message = session.scalar(
            select(Message).where(Message.provider_sid == callback.message_sid).with_for_update()
        )
        if message is None:
            return False
        if moves_forward(message.status, callback.status):
            set_status(
                message, callback.status, now, source=CALLBACK, error_code=callback.error_code
            )
        else:
            message.history.append(
                MessageStatus(
                    status=callback.status[:16],
                    error_code=callback.error_code,
                    detail=f"not applied: the text is already {message.status}",
                    source=CALLBACK,
                    at=now,
                )
            )
        # A failure reported after a delivery is noise; one that stands has consequences.
        failed = callback.status in FAILURES and message.status in FAILURES
        if failed and callback.error_code is not None:
            consequences(session, svc, message, callback.error_code, now)
    return True


def consequences(
    session: Session, svc: Services, message: Message, code: int | None, now: datetime
) -> None:
    """A carrier opt-out becomes a revocation; an unreachable number is suppressed."""
    if code == OPTED_OUT and message.phone:
        source = f"twilio:{code}:{message.id}"
        # The worker and a callback may both report the same refusal: one record says it.
        earlier = select(ConsentRecord.id).where(
            ConsentRecord.subject == message.subject, ConsentRecord.source == source
        )
        if session.scalar(earlier) is not None:
            return
        record = ledger.NewRecord(
            phone=message.phone,
            purposes=PURPOSES,
            action="revoke",
            method="carrier",
            source=source,
            evidence={"error_code": code, "message_id": message.id},
        )
        ledger.append(session, svc.pseudonymize, record, now)
        log.info("carrier opt-out of %s recorded", mask(message.phone))
    elif code in UNREACHABLE_CODES and session.get(Suppression, message.subject) is None:
        session.add(
            Suppression(
                subject=message.subject, reason="unreachable", error_code=code, created_at=now
            )
        )
        log.info("%s suppressed as unreachable (%s)", mask(message.phone), code)
