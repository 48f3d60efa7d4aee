"""Apply the Alembic migrations in `migrations/` to the configured database."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from notifier.config import PROJECT_ROOT
from notifier.db import normalize_url


def alembic_config(database_url: str) -> Config:
    """An Alembic config for `database_url`, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)
