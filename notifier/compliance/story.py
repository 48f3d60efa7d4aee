"""A number's story for compliance staff: its consent now and over time, every text decided for
it and why, what became of each, and the tickets it held.

Shaped with the same models as the audit exports (`notifier.compliance.exports`), so a record or
a text reads the same in the console as in a download. Long histories come a page at a time, newest
first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consent.jurisdiction import jurisdiction
from consent.records import SMS_OPT_OUT_METHODS, PurposeState, current_state, opted_out
from notifier.compliance import ledger
from notifier.compliance.exports import (
    InboundOut,
    MessageOut,
    SuppressionOut,
    TicketOut,
    consent_record_out,
    inbound_out,
    message_out,
    ticket_out,
)
from notifier.db import Database
from notifier.models import (
    ConsentRecord,
    InboundReply,
    Message,
    Subject,
    Suppression,
    Ticket,
)
from notifier.phones import Pseudonymizer, to_e164
from notifier.schemas import ConsentRecordOut

PAGE_SIZE = 25
TICKETS_SHOWN = 100


@dataclass(frozen=True)
class Page:
    """Which page of a long list, and how many pages there are."""

    number: int
    count: int

    @property
    def has_previous(self) -> bool:
        """Whether a newer page exists."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether an older page exists."""
        return self.number < self.count


@dataclass(frozen=True)
class RecordEntry:
    """One ledger record, and the customer's text that made it, if a text did."""

    record: ConsentRecordOut
    inbound: InboundOut | None


@dataclass(frozen=True)
class TextEntry:
    """One text decided, the record its decision relied on, and the record that stopped it
    later (an opt-out that came after it was queued)."""

    message: MessageOut
    relied_on: ConsentRecordOut | None
    stopped_by: ConsentRecordOut | None


@dataclass(frozen=True)
class Story:
    """Everything the console shows about one number."""

    subject: str
    phone: str | None
    jurisdiction: str | None
    states: dict[str, PurposeState]
    records: list[RecordEntry]
    records_page: Page
    record_count: int
    texts: list[TextEntry]
    texts_page: Page
    text_count: int
    tickets: list[TicketOut]
    suppression: SuppressionOut | None
    # The opt-out of every purpose (a STOP, a carrier block, an erasure) still in force.
    suppressed_by: ConsentRecordOut | None

    @property
    def erased(self) -> bool:
        """The number is no longer held anywhere, though its pseudonymous history is."""
        return self.phone is None and bool(self.record_count or self.text_count)


def subject_of(pseudonymize: Pseudonymizer, raw_phone: str, region: str | None) -> str:
    """The pseudonym of a number written in any common format (a 422 if it is not one)."""
    return pseudonymize(to_e164(raw_phone.strip(), default_region=region, field="phone"))


def phone_of(db: Database, subject: str) -> str | None:
    """The number behind a pseudonym, while any row still holds it."""
    with db.session() as session:
        return _phone(session, subject)


def _phone(session: Session, subject: str) -> str | None:
    known = session.get(Subject, subject)
    if known is not None:
        return known.phone
    for column, key in ((Message.phone, Message.subject), (Ticket.phone, Ticket.subject)):
        found = session.scalar(select(column).where(key == subject, column.is_not(None)).limit(1))
        if found:
            return found
    return None


def story(db: Database, subject: str, records_page: int = 1, texts_page: int = 1) -> Story:
    """The number's story, with the asked-for pages of its ledger records and its texts."""
    with db.session() as session:
        rows = ledger.records_of(session, subject)
        phone = _phone(session, subject)
        records = {r.id: consent_record_out(r, phone) for r in rows}
        rpage = _page(records_page, len(rows))
        shown = list(reversed(rows))[_offset(rpage) : _offset(rpage) + PAGE_SIZE]
        inbound = _inbound_of(session, shown)
        text_count = _count(session, subject)
        tpage = _page(texts_page, text_count)
        texts = [_text(m, rows, records) for m in _messages(session, subject, tpage)]
        tickets = session.scalars(
            select(Ticket)
            .where(Ticket.subject == subject)
            .order_by(Ticket.joined_at.desc())
            .limit(TICKETS_SHOWN)
        )
        suppression = session.get(Suppression, subject)
        return Story(
            subject=subject,
            phone=phone,
            jurisdiction=jurisdiction(phone)
            if phone
            else (rows[-1].jurisdiction if rows else None),
            states=current_state(ledger.to_fact(r) for r in rows),
            records=[RecordEntry(records[r.id], inbound.get(r.source)) for r in shown],
            records_page=rpage,
            record_count=len(rows),
            texts=texts,
            texts_page=tpage,
            text_count=text_count,
            tickets=[ticket_out(t) for t in tickets],
            suppression=SuppressionOut.model_validate(suppression) if suppression else None,
            suppressed_by=_suppressing(rows, records),
        )


def _suppressing(
    rows: list[ConsentRecord], records: dict[str, ConsentRecordOut]
) -> ConsentRecordOut | None:
    """The last opt-out of every purpose, unless a later grant took it back."""
    if not opted_out([ledger.to_fact(r) for r in rows]):
        return None
    last = next(
        r for r in reversed(rows) if r.action == "revoke" and r.method in SMS_OPT_OUT_METHODS
    )
    return records[last.id]


def _page(asked: int, total: int) -> Page:
    count = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return Page(min(max(asked, 1), count), count)


def _offset(page: Page) -> int:
    return (page.number - 1) * PAGE_SIZE


def _count(session: Session, subject: str) -> int:
    return session.scalar(select(func.count()).where(Message.subject == subject)) or 0


def _messages(session: Session, subject: str, page: Page) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.subject == subject)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .offset(_offset(page))
            .limit(PAGE_SIZE)
        )
    )


def _inbound_of(session: Session, rows: list[ConsentRecord]) -> dict[str, InboundOut]:
    """The customer's texts behind records made by a reply, by the records' `source`."""
    sids = {r.source.removeprefix("sms:") for r in rows if r.source.startswith("sms:")}
    if not sids:
        return {}
    found = session.scalars(select(InboundReply).where(InboundReply.provider_sid.in_(sids)))
    return {f"sms:{row.provider_sid}": inbound_out(row) for row in found}


def _text(
    message: Message, rows: list[ConsentRecord], records: dict[str, ConsentRecordOut]
) -> TextEntry:
    relied_row = next((r for r in rows if r.id == message.consent_record_id), None)
    relied = records[relied_row.id] if relied_row else None
    stopped = None
    if message.status == "blocked" and message.decision != "blocked":
        blocked_at = next(
            (s.at for s in reversed(message.history) if s.status == "blocked"), message.created_at
        )
        cause = _revocation_before(rows, blocked_at)
        stopped = records.get(cause.id) if cause else None
    return TextEntry(message_out(message, relied_row), relied, stopped)


def _revocation_before(rows: list[ConsentRecord], at: datetime) -> ConsentRecord | None:
    """The latest revocation recorded by `at`: what blocked a text that had been allowed."""
    before = [r for r in rows if r.action == "revoke" and r.recorded_at <= at]
    return before[-1] if before else None
