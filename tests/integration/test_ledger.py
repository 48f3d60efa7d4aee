"""The consent ledger in the database: append-only by the database's own rules, one hash chain."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from notifier.compliance import audit, ledger
from notifier.models import ConsentRecord, Subject
from notifier.services import Services
from tests.tamper import tamper

PHONES = ("+13055550142", "+37251234567", "+8613800138000")


def append(svc: Services, phone: str, action: str = "grant") -> ConsentRecord:
    """Append one record, as the API would."""
    record = ledger.NewRecord(
        phone=phone,
        purposes=("queue_updates",),
        action=action,
        method="kiosk",
        source="test",
        captured_at=svc.clock.now() - timedelta(seconds=5),
        disclosure_text="Text me about my place in line.",
        evidence={"location": "desk-1"},
    )
    with svc.db.session() as session:
        row = ledger.append(session, svc.pseudonymize, record, svc.clock.now())
        session.expunge(row)
    return row


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_records SET method = 'paper'",
        "UPDATE consent_records SET evidence = '{}' WHERE seq = 1",
        "DELETE FROM consent_records WHERE seq = 2",
        "DELETE FROM consent_records",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_ledger_record(
    svc: Services, statement: str
) -> None:
    for phone in PHONES:
        append(svc, phone)

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.engine.begin() as conn:
            conn.execute(sa.text(statement))

    assert audit.verify(svc.db).ok
    with svc.db.session() as session:
        assert session.scalar(sa.select(sa.func.count(ConsentRecord.id))) == 3


def test_the_database_refuses_the_orm_too(svc: Services) -> None:
    row = append(svc, PHONES[0])

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.session() as session:
            session.get_one(ConsentRecord, row.id).source = "rewritten"


@pytest.mark.postgres_only
def test_postgres_refuses_truncating_the_ledger(svc: Services) -> None:
    if svc.db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    append(svc, PHONES[0])

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE consent_records"))


def test_every_record_links_to_the_one_before(svc: Services) -> None:
    rows = [append(svc, phone) for phone in PHONES]

    report = audit.verify(svc.db)

    assert (report.ok, report.records, report.head) == (True, 3, rows[-1].hash)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]


def test_a_changed_record_is_named_by_verify(svc: Services) -> None:
    rows = [append(svc, phone) for phone in PHONES]

    tamper(svc.db.engine, "UPDATE consent_records SET action = 'revoke' WHERE seq = 2")

    report = audit.verify(svc.db)
    assert (report.ok, report.first_bad_record, report.first_bad_seq) == (False, rows[1].id, 2)
    # The guard is back: the next change is refused again.
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM consent_records"))


def test_a_removed_newest_record_is_caught_by_the_head(svc: Services) -> None:
    for phone in PHONES:
        append(svc, phone)

    tamper(svc.db.engine, "DELETE FROM consent_records WHERE seq = 3")

    report = audit.verify(svc.db)
    assert (report.ok, report.records, report.first_bad_seq) == (False, 2, 3)


def test_removing_a_number_keeps_the_chain(svc: Services) -> None:
    append(svc, PHONES[0])
    append(svc, PHONES[0], action="revoke")

    with svc.db.session() as session:
        session.execute(sa.delete(Subject))

    assert audit.verify(svc.db).ok


def test_appends_from_many_writers_make_one_unbroken_chain(svc: Services) -> None:
    errors: list[BaseException] = []

    def writer(phone: str) -> None:
        try:
            for _ in range(10):
                append(svc, phone)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(phone,)) for phone in PHONES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = audit.verify(svc.db)
    assert (report.ok, report.records) == (True, 30)
