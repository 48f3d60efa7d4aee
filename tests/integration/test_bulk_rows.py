"""Rows written in bulk (an event's texts, a fan-out's batch) read back as they were given,
whether they went in as an INSERT, on PostgreSQL as a COPY, or with other tables' rows in one
statement; and a batch that fails writes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.db import COPY_FROM_ROWS, insert_rows, write_rows
from notifier.models import ApiKey, Subject
from notifier.services import Services


def subjects(count: int, at: datetime) -> list[dict[str, object]]:
    """Rows of `subjects`, a table with a time and no foreign keys."""
    return [
        {"pseudonym": f"bulk-{count}-{n}", "phone": f"+1305555{n:04d}", "created_at": at}
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, COPY_FROM_ROWS])
def test_a_batch_reads_back_as_written(svc: Services, count: int) -> None:
    now = svc.clock.now()
    rows = subjects(count, now)

    with svc.db.session() as session:
        insert_rows(session, Subject, rows)

    with svc.db.session() as session:
        found = session.execute(
            sa.select(Subject.pseudonym, Subject.phone, Subject.created_at)
            .where(Subject.pseudonym.like(f"bulk-{count}-%"))
            .order_by(Subject.phone)
        ).all()
    assert [(r.pseudonym, r.phone, r.created_at) for r in found] == [
        (row["pseudonym"], row["phone"], now) for row in rows
    ]


@pytest.mark.parametrize("count", [1, COPY_FROM_ROWS])
def test_a_batch_with_a_naive_time_is_refused_whole(svc: Services, count: int) -> None:
    rows = subjects(count, svc.clock.now())
    rows[-1]["created_at"] = datetime(2026, 1, 1, 12, 0)  # no time zone

    # An INSERT wraps the column's refusal in a StatementError; a COPY lets it through as is.
    with pytest.raises((sa.exc.StatementError, ValueError), match="naive datetime"):
        with svc.db.session() as session:
            insert_rows(session, Subject, rows)

    with svc.db.session() as session:
        written = session.scalar(
            sa.select(sa.func.count()).where(Subject.pseudonym.like(f"bulk-{count}-%"))
        )
    assert written == 0


def keys(names: list[str], at: datetime) -> list[dict[str, object]]:
    """Rows of `api_keys`: a table with a time, a JSON column and no foreign keys."""
    return [
        {
            "id": f"key-{name}",
            "name": f"bulk {name}",
            "key_hash": f"hash-{name}",
            "prefix": name[:16],
            "scopes": ["events:write"],
            "created_at": at,
            "revoked_at": None,
        }
        for name in names
    ]


def keys_named(session: Session, *names: str) -> list[tuple[object, ...]]:
    found = session.execute(
        sa.select(ApiKey.id, ApiKey.key_hash, ApiKey.scopes, ApiKey.revoked_at)
        .where(ApiKey.id.in_([f"key-{name}" for name in names]))
        .order_by(ApiKey.id)
    )
    return [tuple(row) for row in found]


def test_rows_inserted_and_updated_together_read_back_as_written(svc: Services) -> None:
    now = svc.clock.now()
    with svc.db.session() as session:
        insert_rows(session, ApiKey, keys(["a", "b"], now))
    revoked = [
        {"id": "key-a", "scopes": ["admin"], "revoked_at": now},
        {"id": "key-b", "scopes": [], "revoked_at": now},
    ]

    with svc.db.session() as session:
        write_rows(
            session, inserts=[(ApiKey, keys(["c", "d", "e"], now))], updates=[(ApiKey, revoked)]
        )

    with svc.db.session() as session:
        assert keys_named(session, "a", "b", "c", "d", "e") == [
            ("key-a", "hash-a", ["admin"], now),
            ("key-b", "hash-b", [], now),
            ("key-c", "hash-c", ["events:write"], None),
            ("key-d", "hash-d", ["events:write"], None),
            ("key-e", "hash-e", ["events:write"], None),
        ]


def test_rows_written_together_are_refused_whole(svc: Services) -> None:
    now = svc.clock.now()
    with svc.db.session() as session:
        insert_rows(session, ApiKey, keys(["f"], now))
    new = keys(["g", "h"], now)
    new[1]["key_hash"] = "hash-f"  # taken: a key's hash is unique

    with pytest.raises(sa.exc.IntegrityError):
        with svc.db.session() as session:
            write_rows(
                session,
                inserts=[(ApiKey, new)],
                updates=[(ApiKey, [{"id": "key-f", "revoked_at": now}])],
            )

    with svc.db.session() as session:
        assert keys_named(session, "f", "g", "h") == [("key-f", "hash-f", ["events:write"], None)]
