"""Alembic environment: runs against the URL the service is configured with."""

from alembic import context
from sqlalchemy import Connection

# Each module of tables registers its own on Base.metadata.
from notifier import models, models_console, models_ledger  # noqa: F401
from notifier.db import Base, make_engine

target_metadata = Base.metadata


def run(connection: Connection) -> None:
    """Run the migrations on one connection, in one transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
