"""Rows written in bulk (an event's texts, a fan-out's batch) read back as they were given,
whether they went in as an INSERT or, on PostgreSQL, as a COPY."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from notifier.db import COPY_FROM_ROWS, insert_rows
from notifier.models import Subject
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
