"""The suite touches only data it owns.

It refuses to start against a database whose name does not say it is for tests, or a Redis
database other than the one agreed for tests, unless NOTIFIER_TEST_ALLOW_WIPE=1. What it writes
there it takes away again: the service's Redis keys after each test, and at the end of the run
the tables it created (or, in tables that were there before, the rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

import sqlalchemy as sa
from alembic import command
from redis import Redis
from redis.connection import parse_url
from sqlalchemy.engine import make_url

from notifier.db import make_engine
from notifier.migrate import alembic_config

# The Redis database the suite may use when REDIS_URL is set: redis://host:6379/15.
TEST_REDIS_DB = 15
ALLOW = "NOTIFIER_TEST_ALLOW_WIPE"
# Every key the service writes starts with one of these (RQ's, and the service's own).
KEY_PATTERNS = ("rq:*", "notifier:*")


def refusal(env: Mapping[str, str]) -> str | None:
    """Why the suite must not run against the stores `env` names; None if it may."""
    if env.get(ALLOW) == "1":
        return None
    unless = f"the suite empties what it runs on (set {ALLOW}=1 to run anyway)"
    if env.get("DATABASE_URL"):
        name = PurePath(make_url(env["DATABASE_URL"]).database or "").name
        if "test" not in name.lower() and "ci" not in name.lower():
            return (
                f"refusing to run: DATABASE_URL names the database {name!r}, whose name contains"
                f" neither 'test' nor 'ci'; {unless}"
            )
    if env.get("REDIS_URL"):
        db = int(parse_url(env["REDIS_URL"]).get("db") or 0)
        if db != TEST_REDIS_DB:
            return (
                f"refusing to run: REDIS_URL selects Redis database {db}, not the test database"
                f" {TEST_REDIS_DB} (redis://host:6379/{TEST_REDIS_DB}); {unless}"
            )
    return None


def forget_keys(redis: Redis) -> None:
    """Delete the keys the service wrote, and no others."""
    for pattern in KEY_PATTERNS:
        batch: list[bytes] = []
        for key in redis.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                redis.delete(*batch)
                batch.clear()
        if batch:
            redis.delete(*batch)


def has_schema(url: str) -> bool:
    """Whether the database already holds the service's tables."""
    engine = make_engine(url)
    try:
        return "alembic_version" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def drop_schema(url: str) -> None:
    """Take every migration back and drop Alembic's own table: the database as it was found."""
    command.downgrade(alembic_config(url), "base")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()
