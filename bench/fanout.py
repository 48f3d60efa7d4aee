"""`make bench`: a `queue.delayed` fan-out over 10,000 waiting tickets, against a bare
`enqueue_many` of as many no-op jobs in the same run.

Both run on the embedded Redis (or `REDIS_URL`) and, for the fan-out, SQLite in a temporary
directory (or `DATABASE_URL`). The fan-out decides every recipient (consent, apology, text,
segments), records it, and enqueues its deliver job in pipelined batches; the ratio says what
that costs beside enqueueing alone.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rq import Queue
from sqlalchemy import insert, select

from notifier import embedded_redis, migrate
from notifier.compliance import keys, ledger
from notifier.compliance.keys import Caller
from notifier.config import load_settings
from notifier.events import accept
from notifier.events.schemas import QueueDelayed
from notifier.models import Fanout, Ticket, new_id
from notifier.models import Queue as QueueRow
from notifier.sending.dispatch import PIPELINE_BATCH
from notifier.services import Services, build_services, install
from workers import fanout

PHONE_BASE = 13055500000


def noop() -> None:
    """The job the bare enqueue baseline enqueues."""


def main() -> None:
    """Run both measurements and print them with their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis = None
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            socket = Path(tmp) / "redis.sock"
            redis = embedded_redis.start(socket)
            redis_url = embedded_redis.url_for(socket)
        try:
            svc = _services(Path(tmp), redis_url)
            print(f"fan-out over {args.tickets:,} waiting tickets")  # noqa: T201
            decided = _fanout(svc, args.tickets)
            bare = _bare(svc, args.tickets)
        finally:
            if redis is not None:
                embedded_redis.stop(redis)
    print(f"  fan-out: {decided:10,.0f} recipients decided and enqueued per second")  # noqa: T201
    print(f"  bare enqueue_many: {bare:10,.0f} no-op jobs enqueued per second")  # noqa: T201
    print(f"  ratio (fan-out / bare): {decided / bare:.3f}")  # noqa: T201


def _services(tmp: Path, redis_url: str) -> Services:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(database_url)
    settings = load_settings(
        overrides={
            "env": "test",
            "var_dir": tmp,
            "database_url": database_url,
            "redis_url": redis_url,
            "redis_embedded": False,
            "sms_provider": "console",
            "secret_key": "b" * 40,
        }
    )
    svc = build_services(settings)
    install(svc)
    svc.redis.flushdb()
    return svc


def _fanout(svc: Services, tickets: int) -> float:
    caller = _setup(svc, tickets)
    event = QueueDelayed(
        id="bench-delay",
        type="queue.delayed",
        queue_id="bench",
        occurred_at=datetime.now(UTC),
        delay_minutes=15,
        action="a second clerk is joining",
        compensation="free coffee",
    )
    _, answer = accept.accept(svc, caller, event, None)
    assert answer.recipients == tickets
    svc.dispatcher.queues["bulk"].empty()  # the job is run here, timed, not by a worker
    with svc.db.session() as session:
        fanout_id = session.scalars(select(Fanout.id)).one()
    started = time.perf_counter()
    result = fanout.run(fanout_id)
    elapsed = time.perf_counter() - started
    enqueued = svc.dispatcher.queues["bulk"].count
    print(f"  {result}; {enqueued:,} deliver jobs enqueued in {elapsed:.2f} s")  # noqa: T201
    return tickets / elapsed


def _bare(svc: Services, jobs: int) -> float:
    queue = Queue("bench-bare", connection=svc.redis)
    data = [Queue.prepare_data(noop, result_ttl=0) for _ in range(jobs)]
    started = time.perf_counter()
    for start in range(0, jobs, PIPELINE_BATCH):
        with svc.redis.pipeline() as pipe:
            queue.enqueue_many(data[start : start + PIPELINE_BATCH], pipeline=pipe)
            pipe.execute()
    elapsed = time.perf_counter() - started
    assert queue.count == jobs
    return jobs / elapsed


def _setup(svc: Services, tickets: int) -> Caller:
    """A queue with `tickets` waiting customers, each with a consent record."""
    now = datetime.now(UTC)
    with svc.db.session() as session:
        session.add(
            QueueRow(
                id="bench",
                name="Bench",
                timezone="America/New_York",
                locale="en",
                brand="Acme",
                notify_at_positions=[5, 2],
                eta_change_minutes=10,
                hold_minutes=5,
                peak_hours=[],
                peak_alert_lead_minutes=120,
                created_at=now,
                updated_at=now,
            )
        )
        key = keys.create_key(session, "bench", ["admin"], now)
        phones = [f"+{PHONE_BASE + n}" for n in range(tickets)]
        session.execute(
            insert(Ticket), [_ticket(svc, n, phone, now) for n, phone in enumerate(phones)]
        )
        for phone in phones:
            ledger.append(
                session,
                svc.pseudonymize,
                ledger.NewRecord(
                    phone=phone,
                    purposes=("queue_updates",),
                    action="grant",
                    method="kiosk",
                    source="bench",
                ),
                now,
            )
        caller = keys.find_caller(session, key)
    assert caller is not None
    return caller


def _ticket(svc: Services, n: int, phone: str, now: datetime) -> dict[str, object]:
    return {
        "id": new_id("tkt"),
        "queue_id": "bench",
        "ticket_id": f"A{n}",
        "phone": phone,
        "subject": svc.pseudonymize(phone),
        "locale": None,
        "position": n + 1,
        "eta_minutes": 2 * n + 5,
        "state": "waiting",
        "version": 1,
        "joined_at": now,
        "updated_at": now,
        "last_event_at": now,
    }


if __name__ == "__main__":
    main()
