"""The migrations build exactly the tables the models describe, and can be taken back."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from consent.merkle import EMPTY_ROOT
from notifier import models  # noqa: F401  (registers every table)
from notifier.db import Base, make_engine
from notifier.migrate import alembic_config, upgrade


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    assert differences == []


def test_the_migration_goes_down_and_up_again(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    engine = make_engine(database_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()

    upgrade(database_url)

    engine = make_engine(database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            tree = conn.execute(sa.text("SELECT size, root FROM ledger_tree")).one()
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert tuple(tree) == (0, EMPTY_ROOT.hex())
