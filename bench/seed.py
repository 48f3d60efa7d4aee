"""The only place the bench reaches inside the service: seeding too big for the API.

The fan-outs need 10,000 and 100,000 waiting customers with consent; through the API that
would take longer than the measurement itself. Everything else the bench does goes through
the HTTP API, the Procfile's commands and the queues. When the service's tables or ledger
change shape, this module is the one to adapt.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, insert, inspect, select, text

from bench.stack import SECRET_KEY
from consent.jurisdiction import jurisdiction
from consent.ledger import chain_hash
from notifier import ledger
from notifier.db import Database
from notifier.models import ConsentRecord, LedgerHead, Message, Subject, Ticket, new_id
from notifier.phones import Pseudonymizer

BATCH = 1000
DISCLOSURE = "Text me about my place in line and peak hours. Reply STOP to opt out."
# What a measurement leaves behind; emptied between measurements so each starts alike.
# Children before parents, for the foreign keys.
WORK_TABLES = ("message_statuses", "messages", "fanouts", "events", "tickets")


def grant_consent(url: str, phones: Sequence[str], purposes: tuple[str, ...]) -> None:
    """Append a documented kiosk grant of `purposes` for every number to the ledger.

    The records are chained exactly as `ledger.append` chains them, but a batch at a time,
    in bulk inserts: one at a time, 100,000 would take minutes on PostgreSQL.
    """
    db, pseudonymize, now = Database(url), Pseudonymizer(SECRET_KEY), datetime.now(UTC)
    try:
        for start in range(0, len(phones), BATCH):
            with db.session() as session:
                head = session.execute(
                    select(LedgerHead).where(LedgerHead.id == ledger.HEAD_ID).with_for_update()
                ).scalar_one()
                batch = phones[start : start + BATCH]
                subjects = [pseudonymize(phone) for phone in batch]
                session.add_all(
                    Subject(pseudonym=subject, phone=phone, created_at=now)
                    for phone, subject in zip(batch, subjects, strict=True)
                )
                for phone, subject in zip(batch, subjects, strict=True):
                    row = _grant(head.seq + 1, head.hash, phone, subject, purposes, now)
                    head.seq, head.hash = row.seq, row.hash
                    session.add(row)
    finally:
        db.dispose()


@functools.cache
def _jurisdiction(area: str) -> str:
    # The bench's numbers are all Miami ones: a state's lookup, at 0.5 ms, is paid once per
    # area code (the first five characters, +1 and three digits) instead of once per number.
    return jurisdiction(area + "5550100")


def _grant(
    seq: int, prev: str, phone: str, subject: str, purposes: tuple[str, ...], now: datetime
) -> ConsentRecord:
    row = ConsentRecord(
        id=new_id("cr"),
        seq=seq,
        subject=subject,
        purposes=sorted(purposes),
        action="grant",
        method="kiosk",
        disclosure_text=DISCLOSURE,
        disclosure_version="bench-1",
        disclosure_language="en",
        captured_at=now,
        recorded_at=now,
        evidence={},
        source="bench",
        jurisdiction=_jurisdiction(phone[:5]),
        prev_hash=prev,
        hash="",
    )
    row.hash = chain_hash(prev, ledger.hashed_fields(row))
    return row


def waiting_tickets(url: str, queue_id: str, phones: Sequence[str]) -> None:
    """One waiting ticket per number in the queue (made with the API), front of line first."""
    db, pseudonymize, now = Database(url), Pseudonymizer(SECRET_KEY), datetime.now(UTC)
    try:
        for start in range(0, len(phones), BATCH * 10):
            rows = [
                _ticket(queue_id, n, phone, pseudonymize(phone), now)
                for n, phone in enumerate(phones[start : start + BATCH * 10], start)
            ]
            with db.session() as session:
                session.execute(insert(Ticket), rows)
    finally:
        db.dispose()


def _ticket(queue_id: str, n: int, phone: str, subject: str, now: datetime) -> dict[str, object]:
    return {
        "id": new_id("tkt"),
        "queue_id": queue_id,
        "ticket_id": f"A{n}",
        "phone": phone,
        "subject": subject,
        "locale": None,
        "position": n + 1,
        "eta_minutes": 2 * n + 5,
        "state": "waiting",
        "version": 1,
        "joined_at": now,
        "updated_at": now,
        "last_event_at": now,
    }


def reset(url: str) -> None:
    """Empty the tables measurements fill (tickets, events, texts); keep keys, queues, ledger."""
    db = Database(url)
    try:
        present = set(inspect(db.engine).get_table_names())
        tables = [t for t in WORK_TABLES if t in present]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
    finally:
        db.dispose()


def texts_decided(url: str) -> int:
    """How many texts the database holds (after `reset`: those one measurement decided)."""
    db = Database(url)
    try:
        with db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Message)) or 0)
    finally:
        db.dispose()
