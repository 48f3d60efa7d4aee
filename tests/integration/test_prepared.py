"""Prepared statements, run on the driver's cursor, behave as SQLAlchemy's own would: values
converted by their column types both ways, its exceptions, and what the session changed seen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from notifier.db import insert_rows
from notifier.models import Subject
from notifier.prepared import Prepared
from notifier.services import Services

SUBJECTS = Subject.__table__
BY_PSEUDONYM = Prepared(
    sa.select(SUBJECTS.c.pseudonym, SUBJECTS.c.created_at).where(
        SUBJECTS.c.pseudonym == sa.bindparam("pseudonym")
    )
)


def subject(name: str, at: datetime) -> dict[str, object]:
    return {"pseudonym": name, "phone": "+13055550123", "created_at": at}


def test_values_go_in_and_come_back_as_their_column_types(svc: Services) -> None:
    at = datetime(2026, 11, 30, 9, 15, 30, 123456, tzinfo=UTC)
    document = Prepared(sa.select(sa.bindparam("doc", type_=sa.JSON).label("doc")))

    with svc.db.session() as session:
        insert_rows(session, Subject, [subject("p-1", at)])
        (row,) = BY_PSEUDONYM.rows(session, {"pseudonym": "p-1"})
        (echoed,) = document.rows(session, {"doc": {"wait": [4, 25]}})

    assert (row.pseudonym, row.created_at) == ("p-1", at)
    assert row.created_at.tzinfo is not None
    assert echoed.doc == {"wait": [4, 25]}
    with svc.db.session() as session:
        assert BY_PSEUDONYM.first(session, {"pseudonym": "nobody"}) is None


def test_a_naive_time_is_refused_before_it_is_written(svc: Services) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        with svc.db.session() as session:
            insert_rows(session, Subject, [subject("p-naive", datetime(2026, 11, 30, 9, 0))])

    with svc.db.session() as session:
        assert BY_PSEUDONYM.first(session, {"pseudonym": "p-naive"}) is None


def test_a_duplicate_raises_sqlalchemys_integrity_error_and_its_transaction_writes_nothing(
    svc: Services,
) -> None:
    now = svc.clock.now()
    with svc.db.session() as session:
        insert_rows(session, Subject, [subject("p-once", now)])

    with pytest.raises(sa.exc.IntegrityError):
        with svc.db.session() as session:
            insert_rows(session, Subject, [subject("p-other", now)])  # the phone is unique
    with svc.db.session() as session:
        assert BY_PSEUDONYM.first(session, {"pseudonym": "p-other"}) is None
        assert BY_PSEUDONYM.first(session, {"pseudonym": "p-once"}) is not None


def test_a_statement_sees_what_the_session_changed_and_has_not_written_yet(
    svc: Services,
) -> None:
    with svc.db.session() as session:
        session.add(Subject(**subject("p-pending", svc.clock.now())))
        found = BY_PSEUDONYM.first(session, {"pseudonym": "p-pending"})

    assert found is not None


def test_a_list_parameter_is_refused_as_it_would_be_written_anew_at_each_call(
    svc: Services,
) -> None:
    among = Prepared(
        sa.select(SUBJECTS.c.pseudonym).where(
            SUBJECTS.c.pseudonym.in_(sa.bindparam("names", expanding=True))
        )
    )
    with pytest.raises(ValueError, match="takes no list"):
        with svc.db.session() as session:
            among.rows(session, {"names": ["p-1"]})
