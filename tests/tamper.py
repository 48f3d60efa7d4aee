"""Changing the append-only ledger behind the service's back, as one with the database could."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

APPEND_ONLY = "consent ledger is append-only"


@contextmanager
def unguarded(engine: Engine) -> Iterator[Connection]:
    """A transaction in which the ledger's append-only trigger is off; it is back on after."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER consent_records_no_update"))
            conn.execute(sa.text("DROP TRIGGER consent_records_no_delete"))
            yield conn
            for verb in ("UPDATE", "DELETE"):
                conn.execute(
                    sa.text(
                        f"CREATE TRIGGER consent_records_no_{verb.lower()} BEFORE {verb} "
                        f"ON consent_records BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
                    )
                )
        else:
            table = "ALTER TABLE consent_records {} TRIGGER consent_records_append_only"
            conn.execute(sa.text(table.format("DISABLE")))
            yield conn
            conn.execute(sa.text(table.format("ENABLE")))


def tamper(engine: Engine, statement: str, **params: Any) -> None:
    """Run one statement against the ledger with its guard lowered."""
    with unguarded(engine) as conn:
        conn.execute(sa.text(statement), params)
