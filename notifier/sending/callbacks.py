"""What the carrier tells us about a text: status callbacks, and what a failure means for a number.

Twilio's callbacks arrive out of order and sometimes twice, so a message's status only moves
forward; every callback is still written into its history, applied or not, but once: a replay
of one already written (same status, same error code) adds nothing.

A callback can also come before the worker has recorded Twilio's id for its text (Twilio calls
back while the worker is still writing the answer to the send). It is kept in `early_callbacks`
and applied when the id is recorded (`sent`); the relay applies any whose id was recorded in a
transaction that could not see them yet, and forgets those no text ever claimed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, select

from consent.records import PURPOSES
from notifier.compliance import ledger
from notifier.models import ConsentRecord, EarlyCallback, Message, Suppression
from notifier.phones import mask
from notifier.sending import lifecycle
from notifier.sending.lifecycle import MessageStatus, Source
from notifier.sending.providers import OPTED_OUT, UNREACHABLE_CODES
from notifier.work import UnitOfWork, Work

log = logging.getLogger(__name__)

# Twilio's error codes are five digits; anything else is not one (nor fits the column).
ERROR_CODE = re.compile(r"[0-9]{1,6}")
# A callback no text claims within this long never will: its text was erased, or is not ours.
KEEP_EARLY = timedelta(days=1)


@dataclass(frozen=True)
class StatusCallback:
    """One delivery status callback as Twilio posts it."""

    message_sid: str
    status: str
    error_code: int | None


def parse_error_code(raw: str | None) -> int | None:
    """Twilio's `ErrorCode` field as a number; absent, empty or odd values are no code."""
    if raw is None or not ERROR_CODE.fullmatch(raw.strip()):
        return None
    return int(raw.strip())


def moves_forward(current: str, reported: str) -> bool:
    """Whether a reported status is one a callback may set and further along than `current`."""
    return reported in lifecycle.REPORTABLE and lifecycle.may_move(current, reported)


def record_callback(unit: UnitOfWork, callback: StatusCallback) -> bool:
    """Apply one callback to its message; False if its message is not known yet (kept for then)."""
    with unit() as work:
        message = _by_sid(work, callback.message_sid)
        if message is not None:
            apply(work, message, callback)
            return True
        _keep(work, callback)
    # The worker may have recorded the id while this one was being kept: apply it now if so.
    with unit() as work:
        message = _by_sid(work, callback.message_sid)
        if message is not None:
            apply_early(work, message)
    return message is not None


def apply(work: Work, message: Message, callback: StatusCallback) -> None:
    """Move `message` forward as the callback says, or write it down; a replay changes nothing."""
    code, source = callback.error_code, Source.CALLBACK
    if _replayed(message, callback):
        return
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


def sent(work: Work, message: Message, provider_sid: str, detail: str, source: Source) -> None:
    """The provider took the text: record its id, then apply the callbacks that came first."""
    lifecycle.sent(message, provider_sid, detail, work.now, source)
    if message.provider_sid == provider_sid:
        apply_early(work, message)


def sent_many(work: Work, receipts: Mapping[str, tuple[str, str]], source: Source) -> None:
    """The provider took these texts (id: (provider id, detail)): record their ids in bulk, then
    apply the callbacks that came first; a text that moved meanwhile goes as `sent` says."""
    moved = set(lifecycle.sent_many(work.session, receipts, work.now, source))
    sids = [receipts[message_id][0] for message_id in moved]
    kept = select(EarlyCallback.message_sid).where(EarlyCallback.message_sid.in_(sids))
    early = set(work.session.scalars(kept.distinct())) if sids else set()
    again = [i for i in receipts if i not in moved or receipts[i][0] in early]
    if not again:
        return
    for message in work.session.scalars(select(Message).where(Message.id.in_(again))):
        if message.id in moved:
            apply_early(work, message)
        else:
            sent(work, message, *receipts[message.id], source)


def apply_early(work: Work, message: Message) -> int:
    """Apply, in the order they came, the callbacks kept for `message`'s provider id."""
    kept = work.session.scalars(
        select(EarlyCallback)
        .where(EarlyCallback.message_sid == message.provider_sid)
        .order_by(EarlyCallback.id)
        .with_for_update()
    ).all()
    for row in kept:
        apply(work, message, StatusCallback(row.message_sid, row.status, row.error_code))
        work.session.delete(row)
    return len(kept)


def sweep(unit: UnitOfWork) -> int:
    """Apply kept callbacks whose message is known now; forget those kept past `KEEP_EARLY`."""
    with unit() as work:
        sids = work.session.scalars(
            select(EarlyCallback.message_sid)
            .join(Message, Message.provider_sid == EarlyCallback.message_sid)
            .distinct()
        ).all()
        applied = 0
        for sid in sids:
            message = _by_sid(work, sid)
            applied += apply_early(work, message) if message is not None else 0
        work.session.execute(
            delete(EarlyCallback).where(EarlyCallback.received_at < work.now - KEEP_EARLY)
        )
    return applied


def _by_sid(work: Work, sid: str) -> Message | None:
    return work.session.scalar(select(Message).where(Message.provider_sid == sid).with_for_update())


def _replayed(message: Message, callback: StatusCallback) -> bool:
    """Whether this very callback (status and error code) is already in the history."""
    status = callback.status[: lifecycle.STATUS_LENGTH]
    return any(
        step.source == Source.CALLBACK
        and step.status == status
        and step.error_code == callback.error_code
        for step in message.history
    )


def _keep(work: Work, callback: StatusCallback) -> None:
    """Keep a callback for a provider id no text has yet; a replay of a kept one is not kept."""
    already = select(EarlyCallback.id).where(
        EarlyCallback.message_sid == callback.message_sid,
        EarlyCallback.status == callback.status,
        _same_code(callback.error_code),
    )
    if work.session.scalar(already.limit(1)) is None:
        work.session.add(
            EarlyCallback(
                message_sid=callback.message_sid,
                status=callback.status,
                error_code=callback.error_code,
                received_at=work.now,
            )
        )


def _same_code(code: int | None) -> ColumnElement[bool]:
    column = EarlyCallback.error_code
    return column.is_(None) if code is None else column == code


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
