"""The only place the bench reaches inside the service: seeding too big for the API.

The fan-outs need 10,000 and 100,000 waiting customers with consent; through the API that
would take longer than the measurement itself. Everything else the bench does goes through
the HTTP API, the Procfile's commands and the queues. When the service's tables or ledger
change shape, this module is the one to adapt.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, insert, inspect, select, text

from bench.stack import SECRET_KEY
from notifier.compliance import ledger
from notifier.db import Database
from notifier.models import Message, Ticket, new_id
from notifier.phones import KeyedPseudonymizer

BATCH = 1000
DISCLOSURE = "Text me about my place in line and peak hours. Reply STOP to opt out."
# What a measurement leaves behind; emptied between measurements so each starts alike.
# Children before parents, for the foreign keys.
WORK_TABLES = ("message_statuses", "messages", "fanouts", "events", "tickets")


def grant_consent(url: str, phones: Sequence[str], purposes: tuple[str, ...]) -> None:
    """Append a documented kiosk grant of `purposes` for every number to the ledger.

    Through the ledger's own `append`, a batch of records per transaction; the sequencer (the
    relay's) folds them into the tree later, as it does in the service.
    """
    db, pseudonymize, now = Database(url), KeyedPseudonymizer(SECRET_KEY), datetime.now(UTC)
    try:
        for start in range(0, len(phones), BATCH):
            with db.session() as session:
                for phone in phones[start : start + BATCH]:
                    ledger.append(session, pseudonymize, _grant(phone, purposes, now), now)
    finally:
        db.dispose()


def _grant(phone: str, purposes: tuple[str, ...], now: datetime) -> ledger.NewRecord:
    return ledger.NewRecord(
        phone=phone,
        purposes=purposes,
        action="grant",
        method="kiosk",
        source="bench",
        captured_at=now,
        disclosure_text=DISCLOSURE,
        disclosure_version="bench-1",
        disclosure_language="en",
        evidence={"kiosk": "bench"},
    )


def waiting_tickets(url: str, queue_id: str, phones: Sequence[str]) -> None:
    """One waiting ticket per number in the queue (made with the API), front of line first."""
    db, pseudonymize, now = Database(url), KeyedPseudonymizer(SECRET_KEY), datetime.now(UTC)
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
