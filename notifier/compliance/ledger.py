"""Storing the consent ledger: appends without a global lock, facts for the policy.

A record is numbered as it is appended (PostgreSQL's sequence; on SQLite, whose writers take
turns, one past the highest number used) and queued for the sequencer
(`notifier.compliance.sequencer`), which folds it into the Merkle tree. Appends for one number
take that number's `subjects` row lock, so each number's records are numbered in the order they
commit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, literal_column, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from consent.jurisdiction import jurisdiction, needs_documented_consent
from consent.ledger import StoredRecord, record_leaf
from consent.records import ConsentFact
from notifier.db import insert_new, on_postgresql, table_of, values_of
from notifier.errors import FieldError, ValidationFailedError
from notifier.models import CONSENT_SEQ, ConsentRecord, Subject, Suppression, new_id
from notifier.models_ledger import LedgerLeaf, LedgerPending
from notifier.phones import Pseudonymizer
from notifier.prepared import Prepared, insert_values
from notifier.schemas import ConsentIn


@dataclass(frozen=True)
class NewRecord:
    """A record about to be appended."""

    phone: str
    purposes: tuple[str, ...]
    action: str
    method: str
    source: str
    captured_at: datetime | None = None
    disclosure_text: str | None = None
    disclosure_version: str | None = None
    disclosure_language: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


# What a grant must show, and why. GDPR Art. 7(1): an EU/EEA/UK number's consent must be
# demonstrable (what was shown, when). Peak alerts need prior express written consent
# (47 CFR 64.1200(f)(9)): the exact disclosure and its version, when, and how it was captured.
DOCUMENTED = ("disclosure.text", "captured_at")
WRITTEN = ("disclosure.text", "disclosure.version", "captured_at", "evidence")


def check_provable(record: NewRecord, prefix: str = "") -> None:
    """Refuse a grant the law wants proven (EU/EEA/UK, any peak_alerts) without its proof."""
    if record.action != "grant":
        return
    needed = set(WRITTEN if "peak_alerts" in record.purposes else ())
    if needs_documented_consent(record.phone):
        needed.update(DOCUMENTED)
    shown = {
        "disclosure.text": record.disclosure_text,
        "disclosure.version": record.disclosure_version,
        "captured_at": record.captured_at,
        "evidence": record.evidence,
    }
    missing = [
        FieldError(prefix + name, "is required for this grant")
        for name in WRITTEN
        if name in needed and not shown[name]
    ]
    if missing:
        names = " and ".join(m.field for m in missing)
        raise ValidationFailedError(
            f"a grant for an EU/EEA/UK number or of peak_alerts must carry {names}", missing
        )


def producer_record(consent: ConsentIn, phone: str, source: str, prefix: str = "") -> NewRecord:
    """A record from what a producer sent; refused (422) if the law wants more proof."""
    disclosure = consent.disclosure
    new = NewRecord(
        phone=phone,
        purposes=tuple(consent.purposes),
        action=consent.action,
        method=consent.method,
        source=source,
        captured_at=consent.captured_at,
        disclosure_text=disclosure.text if disclosure else None,
        disclosure_version=disclosure.version if disclosure else None,
        disclosure_language=disclosure.language if disclosure else None,
        evidence=consent.evidence.model_dump(exclude_none=True),
    )
    check_provable(new, prefix)
    return new


def append(
    session: Session, pseudonymize: Pseudonymizer, record: NewRecord, now: datetime
) -> ConsentRecord:
    """Append one record and queue it for the tree; only the number's own row is locked.

    Answers the record as written (a record is never changed, so the session does not keep it).
    """
    row = _numbered(session, pseudonymize, record, now)
    values = values_of(row)
    if on_postgresql(session):
        _appended(tuple(values)).run(session, values)
    else:
        _insert_queued(session, row)
    return row


def append_for_decision(
    session: Session, pseudonymize: Pseudonymizer, record: NewRecord, now: datetime
) -> list[ConsentFact]:
    """Append one record as `append` does; answer its number's facts, the new record's among
    them, for the decision that follows (on PostgreSQL from the same statement)."""
    row = _numbered(session, pseudonymize, record, now)
    values = values_of(row)
    if not on_postgresql(session):
        _insert_queued(session, row)
        return facts_of(session, row.subject)
    return [to_fact(fact) for fact in _appended_with_facts(tuple(values)).rows(session, values)]


def _numbered(
    session: Session, pseudonymize: Pseudonymizer, record: NewRecord, now: datetime
) -> ConsentRecord:
    """The record's row, numbered (its number's row held) and hashed, not yet written."""
    subject = pseudonymize(record.phone)
    row = ConsentRecord(
        id=new_id("cr"),
        seq=_held_and_numbered(session, subject, record.phone, now),
        subject=subject,
        purposes=sorted(set(record.purposes)),
        action=record.action,
        method=record.method,
        disclosure_text=record.disclosure_text,
        disclosure_version=record.disclosure_version,
        disclosure_language=record.disclosure_language,
        captured_at=record.captured_at,
        recorded_at=now,
        evidence=record.evidence,
        source=record.source,
        jurisdiction=jurisdiction(record.phone),
        prev_hash=None,
        hash="",
    )
    row.hash = record_leaf(hashed_fields(row)).hex()
    return row


def _insert_queued(session: Session, row: ConsentRecord) -> None:
    """Write the record and queue it for the sequencer, a statement each."""
    insert_new(session, row)
    insert_new(session, LedgerPending(seq=row.seq))


@functools.cache
def _appended(names: tuple[str, ...]) -> Prepared:
    """PostgreSQL: the record's INSERT and its place in the sequencer's queue, in one statement."""
    record = insert_values(_RECORDS, names).returning(ConsentRecord.seq).cte("record")
    return Prepared(insert(_PENDING).from_select(["seq"], select(record.c.seq)))


@functools.cache
def _appended_with_facts(names: tuple[str, ...]) -> Prepared:
    """PostgreSQL: `_appended`, and the number's facts. The statement's query does not see the
    row its INSERT writes, so the new record's facts come from that INSERT's RETURNING."""
    record = insert_values(_RECORDS, names).returning(*_FACT_OF).cte("record")
    queued = insert(_PENDING).from_select(["seq"], select(record.c.seq)).cte("queued")
    earlier = select(*_FACT_OF).where(ConsentRecord.subject == bindparam("subject"))
    facts = union_all(earlier, select(*record.c)).order_by(literal_column("seq"))
    return Prepared(facts.add_cte(queued))


_RECORDS, _PENDING = table_of(ConsentRecord), table_of(LedgerPending)


def lock_subject(session: Session, subject: str, phone: str, now: datetime) -> None:
    """Hold the number's `subjects` row (made if new) until commit: one writer per number.

    A row this transaction made is its own until it commits; one made before is locked. On
    SQLite, whose writers take turns, holding the write lock is enough.
    """
    postgres = on_postgresql(session)
    values = {"pseudonym": subject, "phone": phone, "created_at": now}
    made = _NEW_SUBJECT[postgres].first(session, values)
    if made is None and postgres:
        _LOCK_SUBJECT.run(session, {"pseudonym": subject})


def _held_and_numbered(session: Session, subject: str, phone: str, now: datetime) -> int:
    """Hold the number's row as `lock_subject` does, then take the next record number.

    The number is taken once the row is held, so that each number's records are numbered in
    the order they commit. On PostgreSQL the row and the number come in one statement.
    """
    if not on_postgresql(session):
        lock_subject(session, subject, phone, now)
        return next_seq(session)
    values = {"pseudonym": subject, "phone": phone, "created_at": now}
    numbered = _NEW_SUBJECT_NUMBERED.first(session, values)
    if numbered is None:  # made before: lock it, then number
        numbered = _LOCKED_NUMBER.first(session, {"pseudonym": subject})
    if numbered is None:  # erased meanwhile: nothing to hold
        return next_seq(session)
    return int(numbered.seq)


# Prepared once (per dialect, for PostgreSQL or not), as every record appended asks them.
_SUBJECTS = table_of(Subject)
_NEW_SUBJECTS = {
    postgres: insert_into(_SUBJECTS).on_conflict_do_nothing().returning(_SUBJECTS.c.pseudonym)
    for postgres, insert_into in ((True, postgresql.insert), (False, sqlite.insert))
}
_NEW_SUBJECT = {postgres: Prepared(new) for postgres, new in _NEW_SUBJECTS.items()}
_HOLD_SUBJECT = (
    select(_SUBJECTS.c.pseudonym)
    .where(_SUBJECTS.c.pseudonym == bindparam("pseudonym"))
    .with_for_update()
)
_LOCK_SUBJECT = Prepared(_HOLD_SUBJECT)
# PostgreSQL: a new row's RETURNING, and the outer SELECT of a locked row, run after the row is
# held; the sequence is volatile, so it is not moved below the lock.
_NEW_SUBJECT_NUMBERED = Prepared(
    _NEW_SUBJECTS[True].returning(CONSENT_SEQ.next_value().label("seq"))
)
_LOCKED_NUMBER = Prepared(
    select(CONSENT_SEQ.next_value().label("seq")).select_from(_HOLD_SUBJECT.subquery())
)
_NEXT_SEQ = Prepared(select(CONSENT_SEQ.next_value().label("seq")))


def next_seq(session: Session) -> int:
    """The next record number, taken without waiting for other appends."""
    if on_postgresql(session):
        return int(_NEXT_SEQ.rows(session, {})[0].seq)
    # SQLite's writers take turns, so the highest number in use is stable here: asked once
    # in a transaction (which may append for several events), then counted on from there.
    transaction = session.get_transaction()
    given = session.info.get(_LAST_SEQ)
    if given is not None and given[0] is transaction:
        used = int(given[1])
    else:
        used = int(_HIGHEST_SEQ.rows(session, {})[0].seq)
    session.info[_LAST_SEQ] = (transaction, used + 1)
    return used + 1


# In the session's `info`: the transaction that last gave a number on SQLite, and the number.
_LAST_SEQ = "ledger_last_seq"
# The tree's leaves count too: a number once folded is never given again, even if its record
# is gone. Prepared once: it is asked in every transaction that appends on SQLite.
_USED_SEQ = select(func.max(ConsentRecord.seq)).union_all(select(func.max(LedgerLeaf.seq)))
_HIGHEST_SEQ = Prepared(select(func.coalesce(func.max(_USED_SEQ.subquery().c[0]), 0).label("seq")))


def hashed_fields(row: ConsentRecord) -> dict[str, object]:
    """What the chain hash covers: the whole record but the number itself and the hashes."""
    return {
        "id": row.id,
        "seq": row.seq,
        "subject": row.subject,
        "purposes": list(row.purposes),
        "action": row.action,
        "method": row.method,
        "disclosure_text": row.disclosure_text,
        "disclosure_version": row.disclosure_version,
        "disclosure_language": row.disclosure_language,
        "captured_at": row.captured_at,
        "recorded_at": row.recorded_at,
        "evidence": row.evidence,
        "source": row.source,
        "jurisdiction": row.jurisdiction,
    }


def to_fact(row: ConsentRecord | Row[*tuple[Any, ...]]) -> ConsentFact:
    """A record (or the columns of one) as the policy sees it."""
    return ConsentFact(
        id=row.id,
        seq=row.seq,
        purposes=frozenset(row.purposes),
        action=row.action,
        method=row.method,
        recorded_at=row.recorded_at,
        captured_at=row.captured_at,
        has_disclosure=bool(row.disclosure_text),
    )


def records_of(session: Session, subject: str) -> list[ConsentRecord]:
    """Every record about one number, in ledger order."""
    return list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.subject == subject)
            .order_by(ConsentRecord.seq)
        )
    )


def facts_of(session: Session, subject: str) -> list[ConsentFact]:
    """The policy's view of one number's records."""
    return [to_fact(row) for row in _FACTS_OF_ONE.rows(session, {"subject": subject})]


def facts_of_many(session: Session, subjects: list[str]) -> dict[str, list[ConsentFact]]:
    """The policy's view of many numbers' records, in one query of the columns it reads.

    Columns, not records: loading each as a record (with its evidence to decode) cost more
    than deciding its text.
    """
    facts: dict[str, list[ConsentFact]] = {s: [] for s in subjects}
    for row in session.execute(_FACTS, {"subjects": subjects}):
        facts[row.subject].append(to_fact(row))
    return facts


# Built once: every decision asks one of them. One number's records need no list of numbers,
# which would be written into the statement anew at each call.
_FACT_OF = (
    ConsentRecord.subject,
    ConsentRecord.id,
    ConsentRecord.seq,
    ConsentRecord.purposes,
    ConsentRecord.action,
    ConsentRecord.method,
    ConsentRecord.recorded_at,
    ConsentRecord.captured_at,
    ConsentRecord.disclosure_text,
)
_FACT_COLUMNS = select(*_FACT_OF).order_by(ConsentRecord.seq)
_FACTS = _FACT_COLUMNS.where(ConsentRecord.subject.in_(bindparam("subjects", expanding=True)))
_FACTS_OF_ONE = Prepared(_FACT_COLUMNS.where(ConsentRecord.subject == bindparam("subject")))


def is_unreachable(session: Session, subject: str) -> bool:
    """The carrier said this number cannot be texted (until a producer sends it anew)."""
    return bool(_UNREACHABLE.rows(session, {"subject": subject}))


# Prepared once, as the decisions of ticket texts ask it.
_SUPPRESSIONS = table_of(Suppression)
_UNREACHABLE = Prepared(
    select(_SUPPRESSIONS.c.subject).where(_SUPPRESSIONS.c.subject == bindparam("subject"))
)


def unreachable_among(session: Session, subjects: list[str]) -> set[str]:
    """Those of these numbers the carrier said cannot be texted, in one query."""
    query = select(Suppression.subject).where(Suppression.subject.in_(subjects))
    return set(session.scalars(query)) if subjects else set()


def stored(row: ConsentRecord) -> StoredRecord:
    """A record as the tree's checks see it."""
    return StoredRecord(row.id, row.seq, hashed_fields(row), row.prev_hash, row.hash)
