"""Fixtures: a real Redis, a real database, the app, a live HTTP server, a fake Twilio.

With `REDIS_URL`/`DATABASE_URL` unset the suite runs on an embedded Redis and SQLite; set, it
runs against those servers (CI does both).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq.job import Job
from werkzeug.serving import make_server

from consent.merkle import EMPTY_ROOT
from notifier import embedded_redis, migrate
from notifier.app import create_app
from notifier.clock import FixedClock
from notifier.compliance import keys
from notifier.db import make_engine
from notifier.services import Services
from tests.fakes.twilio import FakeTwilio
from tests.guard import drop_schema, forget_keys, has_schema, refusal
from tests.servers import RedisServer
from workers.worker import Worker, lending

os.environ["NOTIFIER_ENV"] = "test"
os.environ.setdefault("NOTIFIER_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")

# Saturday 28 November 2026, 11:05 in New York: the queue is open, quiet hours allow texts.
START = datetime(2026, 11, 28, 16, 5, tzinfo=UTC)
TABLES = (
    "message_statuses",
    "messages",
    "events",
    "tickets",
    "queues",
    "api_keys",
    "subjects",
    "suppressions",
    "consent_records",
    "inbound_replies",
    "fanouts",
    "early_callbacks",
    "ledger_pending",
    "ledger_leaves",
    "ledger_nodes",
    "ledger_checkpoints",
    "staff_accounts",
    "staff_access",
    "ledger_checks",
    "message_rollup",
)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse, in one line and before any fixture runs, stores the suite does not own."""
    problem = refusal(os.environ)
    if problem:
        raise pytest.UsageError(problem)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis the suite uses: `REDIS_URL`, else an embedded server for the session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        with Redis.from_url(os.environ["REDIS_URL"]) as redis:
            forget_keys(redis)
        return
    socket = tmp_path_factory.mktemp("redis") / "redis.sock"
    server = embedded_redis.start(socket)
    yield embedded_redis.url_for(socket)
    embedded_redis.stop(server)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database with every migration applied: `DATABASE_URL`, else a SQLite template file.

    An outside database is left as it was found: the tables the run made are dropped, and
    tables that were there before are emptied."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        template = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}"
        migrate.upgrade(template)
        yield template
        return
    existed = has_schema(url)
    migrate.upgrade(url)
    yield url
    if not existed:
        drop_schema(url)
    elif not url.startswith("sqlite"):
        empty_postgres(url)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    """An empty, migrated database for one test."""
    if migrated_database.startswith("sqlite:///"):
        copy = tmp_path / "notifier.db"
        shutil.copy(migrated_database.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    empty_postgres(migrated_database)
    return migrated_database


def empty_postgres(url: str) -> None:
    """Empty every table, the append-only ledger too (its trigger sleeps in replica mode)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        # RESTART IDENTITY numbers the ledger's records from 1 again (its sequence is owned).
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("UPDATE ledger_tree SET size = 0, root = :r"), {"r": EMPTY_ROOT.hex()})
        conn.execute(sa.text("UPDATE rollup_state SET folded_until = NULL"))
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """The service's clock, standing at START until a test moves it."""
    return FixedClock(START)


@pytest.fixture
def overrides(database_url: str, redis_url: str, tmp_path: Path) -> dict[str, Any]:
    """Settings for one test; tests add to them before `app` is built."""
    return {
        "env": "test",
        "var_dir": tmp_path,
        "database_url": database_url,
        "redis_url": redis_url,
        "redis_embedded": False,
        "sms_provider": "console",
        "sender_mps": 1000.0,
    }


@pytest.fixture
def app(overrides: dict[str, Any], clock: FixedClock) -> Iterator[Flask]:
    """The app under test, on an empty database and an empty Redis."""
    app = create_app(overrides, clock=clock)
    svc = services_of(app)
    forget_keys(svc.redis)
    with lending(svc):  # a job a test performs itself runs as a worker would run it
        yield app
    close = getattr(svc.provider, "close", None)
    if close is not None:
        close()
    forget_keys(svc.redis)
    svc.redis.close()
    svc.db.dispose()


def services_of(app: Flask) -> Services:
    """The services the app (and jobs run in this process) use."""
    return app.extensions["notifier"]  # type: ignore[no-any-return]


@pytest.fixture
def svc(app: Flask) -> Services:
    """The app's services."""
    return services_of(app)


@pytest.fixture
def admin_key(svc: Services) -> str:
    """A key with every scope."""
    return make_key(svc, "admin", ["admin"])


def make_key(svc: Services, name: str, scopes: list[str]) -> str:
    """A new API key."""
    with svc.db.session() as session:
        return keys.create_key(session, name, scopes, svc.clock.now())


def run_worker(svc: Services) -> None:
    """Run every job on the queues now, in this process, until they are empty; a job that
    raised fails the test (RQ would only file it in its failed-job registry)."""
    queues = list(svc.dispatcher.queues.values())
    Worker(queues, connection=svc.redis, services=svc).work(burst=True, logging_level="WARNING")
    for queue in queues:
        for job_id in queue.failed_job_registry.get_job_ids():
            job = Job.fetch(job_id, connection=svc.redis)
            pytest.fail(f"job {job.func_name} failed:\n{job.latest_result().exc_string}")


@pytest.fixture
def fake_twilio(clock: FixedClock) -> Iterator[FakeTwilio]:
    """A local server that answers like Twilio's Messages API, on the service's clock."""
    with FakeTwilio(clock=clock.now) as fake:
        yield fake


SENDER = "+15005550006"


def use_fake_twilio(overrides: dict[str, Any], fake: FakeTwilio) -> dict[str, Any]:
    """Settings that send through the real Twilio client to `fake`."""
    overrides.update(
        sms_provider="twilio",
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_from_number=SENDER,
        twilio_api_base_url=fake.base_url,
    )
    return overrides


class LiveServer:
    """The app served over real HTTP on 127.0.0.1, in a thread."""

    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval: shutdown waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> None:
        """Serve until stopped."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def live(app: Flask, svc: Services) -> Iterator[LiveServer]:
    """The app on a real HTTP port; the service's public URL is that port."""
    from dataclasses import replace

    server = LiveServer(app)
    svc.settings = replace(svc.settings, public_base_url=server.url)
    server.start()
    yield server
    server.stop()


class Api:
    """A producer's HTTP client for the live service."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key
        self.http = requests.Session()

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request with the bearer key."""
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        return self.http.request(
            method, self.base_url + path, headers=headers, timeout=10, **kwargs
        )

    def put_queue(self, queue_id: str, **settings: Any) -> requests.Response:
        """Create or replace a queue."""
        body = {"name": "Service desk", "timezone": "America/New_York", "brand": "Acme", **settings}
        return self.call("PUT", f"/v1/queues/{queue_id}", json=body)

    def event(self, body: dict[str, Any], **kwargs: Any) -> requests.Response:
        """Post one event."""
        return self.call("POST", "/v1/events", json=body, **kwargs)


@pytest.fixture
def api(live: LiveServer, admin_key: str) -> Iterator[Api]:
    """A client of the live service with an admin key."""
    client = Api(live.url, admin_key)
    yield client
    client.http.close()


def joined(
    event_id: str,
    ticket: str,
    phone: str,
    *,
    position: int = 4,
    eta: int | None = 25,
    consent: bool = True,
    queue: str = "desk",
    **ticket_fields: Any,
) -> dict[str, Any]:
    """A `ticket.joined` event body, with a kiosk opt-in unless `consent=False`."""
    body: dict[str, Any] = {
        "id": event_id,
        "type": "ticket.joined",
        "occurred_at": START.isoformat(),
        "queue_id": queue,
        "ticket": {"id": ticket, "phone": phone, "position": position, **ticket_fields},
    }
    if eta is not None:
        body["ticket"]["eta_minutes"] = eta
    if consent:
        body["consent"] = {
            "purposes": ["queue_updates"],
            "action": "grant",
            "method": "kiosk",
            "captured_at": START.isoformat(),
            "disclosure": {
                "text": "Text me about my place in line.",
                "version": "kiosk-3",
                "language": "en",
            },
        }
    return body


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """This test's own Redis, running, writing every change to disk before answering it."""
    server = RedisServer(tmp_path, persistent=True)
    server.start()
    yield server
    server.stop()
