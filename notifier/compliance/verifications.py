"""Checking the ledger in the background: a staff member asks, a worker runs the check, and the
console shows its progress and the last result.

The check itself is `notifier.compliance.ledger_check.verify`, the same as
`GET /v1/audit/verify`. A ledger can be long, so it runs as an RQ job; its progress lives in the
job's meta data in Redis (short-lived, as DESIGN.md wants of Redis), its outcome in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import func, select

from notifier.clock import Clock
from notifier.compliance.ledger_check import VerifyOut
from notifier.db import Database
from notifier.models import ConsentRecord, new_id
from notifier.models_console import LedgerCheck
from notifier.sending.lifecycle import Priority
from notifier.work import JobCall, JobQueue

VERIFY = "workers.verify.run"
PROGRESS_KEY = "checked"
# A check queued or running for longer than this was lost (no worker, a crash); a new one may start.
ABANDONED_AFTER = timedelta(hours=1)
UNQUEUED = "the job queue could not be reached; try again"


@dataclass(frozen=True)
class Check:
    """One check of the ledger, as the console shows it."""

    id: str
    state: str
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    total: int | None
    checked: int | None
    ok: bool | None
    records: int | None
    head: str | None
    first_bad_record: str | None
    first_bad_seq: int | None
    problem: str | None


def request(db: Database, clock: Clock, jobs: JobQueue, requested_by: str) -> str:
    """Ask for a check, unless one is on its way already; answer the check's id."""
    now = clock.now()
    with db.session() as session:
        pending = session.scalar(
            select(LedgerCheck.id)
            .where(
                LedgerCheck.state.in_(("queued", "running")),
                LedgerCheck.requested_at > now - ABANDONED_AFTER,
            )
            .limit(1)
        )
        if pending is not None:
            return pending
        total = session.scalar(select(func.count()).select_from(ConsentRecord))
        check_id = new_id("chk")
        session.add(
            LedgerCheck(
                id=check_id,
                requested_by=requested_by,
                requested_at=now,
                state="queued",
                total=total,
            )
        )
    if not jobs.enqueue_job(JobCall(Priority.BULK, VERIFY, (check_id,))):
        _end(db, clock, check_id, "failed", problem=UNQUEUED)
    return check_id


def start(db: Database, clock: Clock, check_id: str, job_id: str | None) -> bool:
    """Mark a queued check as running; False if it is not waiting to run (run twice)."""
    with db.session() as session:
        check = session.get(LedgerCheck, check_id, with_for_update=True)
        if check is None or check.state != "queued":
            return False
        check.state, check.job_id, check.started_at = "running", job_id, clock.now()
        return True


def finish(db: Database, clock: Clock, check_id: str, result: VerifyOut) -> None:
    """Record what the check found."""
    _end(
        db,
        clock,
        check_id,
        "done",
        ok=result.ok,
        records=result.records,
        head=result.root,
        first_bad_record=result.first_bad_record,
        first_bad_seq=result.first_bad_seq,
        problem=result.problem,
    )


def fail(db: Database, clock: Clock, check_id: str, problem: str) -> None:
    """Record that the check could not finish."""
    _end(db, clock, check_id, "failed", problem=problem[:200])


def _end(db: Database, clock: Clock, check_id: str, state: str, **found: object) -> None:
    with db.session() as session:
        check = session.get_one(LedgerCheck, check_id)
        check.state, check.finished_at = state, clock.now()
        for name, value in found.items():
            setattr(check, name, value)


def last_result(db: Database) -> Check | None:
    """The newest check that finished, whatever it found."""
    with db.session() as session:
        row = session.scalar(
            select(LedgerCheck)
            .where(LedgerCheck.state == "done")
            .order_by(LedgerCheck.finished_at.desc())
            .limit(1)
        )
        return _shown(row, None) if row else None


def newest(db: Database, redis: Redis) -> Check | None:
    """The newest check asked for, with its progress (from the job in `redis`) if it is running."""
    with db.session() as session:
        row = session.scalar(select(LedgerCheck).order_by(LedgerCheck.requested_at.desc()).limit(1))
    if row is None:
        return None
    checked = row.records if row.state == "done" else None
    if row.state == "running" and row.job_id:
        checked = _progress(redis, row.job_id)
    return _shown(row, checked)


def _progress(redis: Redis, job_id: str) -> int | None:
    try:
        meta = Job.fetch(job_id, connection=redis).get_meta()
    except (NoSuchJobError, RedisError):
        return None
    value = meta.get(PROGRESS_KEY)
    return value if isinstance(value, int) else None


def _shown(row: LedgerCheck, checked: int | None) -> Check:
    return Check(
        id=row.id,
        state=row.state,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        finished_at=row.finished_at,
        total=row.total,
        checked=checked,
        ok=row.ok,
        records=row.records,
        head=row.head,
        first_bad_record=row.first_bad_record,
        first_bad_seq=row.first_bad_seq,
        problem=row.problem,
    )
