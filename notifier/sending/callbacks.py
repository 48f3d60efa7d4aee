"""What the carrier tells us about a text: status callbacks, and what a failure means for a number.

Twilio's callbacks arrive out of order and sometimes twice, so a message's status only moves
forward; every callback is still written into its history, applied or not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from consent.records import PURPOSES
from notifier.compliance import ledger
from notifier.models import ConsentRecord, Message, Suppression
from notifier.phones import mask
from notifier.sending import lifecycle
from notifier.sending.lifecycle import MessageStatus, Source
from notifier.sending.providers import OPTED_OUT, UNREACHABLE_CODES
from notifier.work import UnitOfWork, Work

log = logging.getLogger(__name__)


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
    """Whether a reported status is one a callback may set and further along than `current`."""
    return reported in lifecycle.REPORTABLE and lifecycle.may_move(current, reported)


def record_callback(unit: UnitOfWork, callback: StatusCallback) -> bool:
    """Apply one callback to its message; False (and nothing changed) for an unknown sid."""
    with unit() as work:
        message = work.session.scalar(
            select(Message).where(Message.provider_sid == callback.message_sid).with_for_update()
        )
        if message is None:
            return False
        code, source = callback.error_code, Source.CALLBACK
        if moves_forward(message.status, callback.status):
            reported = MessageStatus(callback.status)
            lifecycle.transition(message, reported, work.now, source=source, error_code=code)
        else:
            detail = f"not applied: the text is already {message.status}"
            lifecycle.note(
                message, callback.status, work.now, source=source, detail=detail, error_code=code
            )
        # A failure reported after a delivery is noise; one that stands has consequences.
        failed = callback.status in lifecycle.FAILURES and message.status in lifecycle.FAILURES
        if failed and code is not None:
            consequences(work, message, code)
    return True


def consequences(work: Work, message: Message, code: int | None) -> None:
    """A carrier opt-out becomes a revocation; an unreachable number is suppressed."""
    session = work.session
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
        ledger.append(session, work.pseudonymize, record, work.now)
        log.info("carrier opt-out of %s recorded", mask(message.phone))
    elif code in UNREACHABLE_CODES and session.get(Suppression, message.subject) is None:
        session.add(
            Suppression(
                subject=message.subject, reason="unreachable", error_code=code, created_at=work.now
            )
        )
        log.info("%s suppressed as unreachable (%s)", mask(message.phone), code)
