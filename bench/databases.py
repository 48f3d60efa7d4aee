"""The databases a bench run measures on: SQLite always, PostgreSQL when `DATABASE_URL` is set.

On PostgreSQL the bench makes a scratch database of its own beside the one `DATABASE_URL`
names (the role must be allowed to create databases) and drops it at the end, so the data in
that database is never touched. Schemas are made by the Procfile's release command.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.stack import Stack, procfile


@dataclass(frozen=True)
class Target:
    """One database the service is measured on."""

    kind: str  # "sqlite" or "postgresql", as the results table names it
    url: str

    def analyze(self) -> None:
        """Refresh the planner's statistics: the machine's PostgreSQL runs no autovacuum."""
        if self.kind != "postgresql":
            return
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()


def targets() -> list[str]:
    """The kinds of database this run measures: SQLite, and PostgreSQL if it is configured;
    `BENCH_DB=sqlite` or `BENCH_DB=postgresql` keeps one of them."""
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    only = os.environ.get("BENCH_DB")
    return [k for k in kinds if not only or k == only]


def create(kind: str, stack: Stack, name: str) -> Target:
    """A fresh, migrated database of that kind, named `name` within this run."""
    if kind == "sqlite":
        target = Target(kind, f"sqlite:///{stack.tmp / f'{name}.db'}")
    else:
        target = Target(kind, scratch_postgres(name))
    stack.run(procfile("release"), stack.env(target.url))
    return target


def baseline_url(target: Target, stack: Stack, name: str) -> str:
    """A database of the same kind for a baseline: its own file, or the same scratch database."""
    if target.kind == "sqlite":
        return f"sqlite:///{Path(stack.tmp) / f'{name}.db'}"
    return target.url


def drop(target: Target) -> None:
    """Drop a scratch PostgreSQL database (a SQLite file goes with the temporary directory)."""
    if target.kind == "postgresql":
        drop_postgres(target.url)


def drop_postgres(scratch: str) -> None:
    """Drop a database `scratch_postgres` made."""
    url = make_url(scratch)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def scratch_postgres(name: str) -> str:
    """A new, empty database beside the one `DATABASE_URL` names: its URL."""
    url = make_url(os.environ["DATABASE_URL"])
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    scratch = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    admin.dispose()
    return url.set(database=scratch).render_as_string(hide_password=False)
