"""The ingest path's baselines, served by gunicorn with the Procfile's web settings.

`create_app("insert")` stores each raw event with one SQLAlchemy Core INSERT in its own
transaction, in the same kind of database as the service (`BENCH_BASELINE_DATABASE_URL`): the
least a durable 202 costs. `create_app("bare")` parses the JSON and answers 202: the least
Flask under gunicorn costs.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
metadata = MetaData()
raw_events = Table(
    "bench_raw_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
)


def make_engine(url: str) -> Engine:
    """An engine as a careful app would make it: pooled, and on SQLite WAL with a busy wait."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL loses no committed transaction when the process dies, only on power
    # loss: the usual setting for a service, and the one the performance issue asks for.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_table(url: str) -> None:
    """Make the baseline's one table (before gunicorn starts, so its workers never race)."""
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app(kind: str) -> Flask:
    """A baseline app: "insert" or "bare"."""
    app = Flask(__name__)
    engine = make_engine(os.environ["BENCH_BASELINE_DATABASE_URL"]) if kind == "insert" else None

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(ok=True)

    @app.post("/v1/events")
    def post_event() -> tuple[Response, int]:
        body = request.get_json()
        if engine is not None:
            with engine.begin() as conn:
                conn.execute(
                    insert(raw_events).values(
                        event_id=body["id"], received_at=datetime.now(UTC), payload=body
                    )
                )
        return jsonify(event_id=body["id"], duplicate=False), 202

    return app
