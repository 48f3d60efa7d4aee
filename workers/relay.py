"""The relay: puts on the queue every job the database holds that Redis does not.

A text (or a fan-out) accepted while Redis was down waits with no `enqueued_at`; one whose job
Redis lost (a restart without persistence) has a job id that Redis no longer knows; a text left
`sending` by a crash needs reconciling. The relay finds them all and enqueues them again; the
jobs' own claims make a second copy harmless. It also plans the queues' recurring peak-hour
warnings, and applies status callbacks that came before their text's id, so that it is the one
clock process the service needs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from rq import Queue as RqQueue
from rq.job import Job, JobStatus
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from notifier.compliance import retention, rollup
from notifier.compliance.sequencer import sequence
from notifier.events.fanouts import plan_recurring_peaks
from notifier.metrics import recovered
from notifier.models import Fanout, Message
from notifier.sending import callbacks
from notifier.sending.courier import STUCK_AFTER
from notifier.sending.lifecycle import FanoutState, MessageStatus
from notifier.services import Services, for_background
from notifier.work import Due

log = logging.getLogger(__name__)

BATCH = 1000
# Jobs this old are checked against Redis; younger ones are surely still there.
CHECK_JOBS_AFTER = timedelta(minutes=1)
INTERVAL_SECONDS = 5.0
# The relay applies retention once a day, whichever relay comes first.
RETENTION_KEY = "notifier:retention:daily"
RETENTION_EVERY = timedelta(days=1)
# And brings the dashboard's rollup up to date every few minutes.
ROLLUP_KEY = "notifier:rollup:refresh"
ROLLUP_EVERY = timedelta(minutes=5)
# Through an outage of Redis or the database, the relay tries again less and less often.
OUTAGE_BACKOFF_CAP_SECONDS = 30.0


def relay_once(svc: Services) -> int:
    """Enqueue every job that should be on a queue and is not; answer how many."""
    now = svc.clock.now()
    with svc.db.session() as session:
        planned = [f.id for f in plan_recurring_peaks(session, now)]
    if planned:
        log.info("planned %d peak-hour warnings", len(planned))
    moved = svc.dispatcher.enqueue_fanouts(planned)
    if applied := callbacks.sweep(svc.work):
        log.info("applied %d status callbacks that came before their text's id", applied)
    # The ledger's new records go into its tree, under a signed checkpoint.
    sequence(svc.notary)
    return moved + _relay_messages(svc, now) + _relay_fanouts(svc, now)


def _relay_messages(svc: Services, now: datetime) -> int:
    # A stuck text is enqueued once per claim (and again if that did not settle it).
    stuck = and_(
        Message.status == MessageStatus.SENDING,
        Message.claimed_at < now - STUCK_AFTER,
        or_(
            Message.enqueued_at.is_(None),
            Message.enqueued_at < Message.claimed_at,
            Message.enqueued_at < now - STUCK_AFTER,
        ),
    )
    with svc.db.session() as session:
        rows = session.execute(
            select(
                Message.id,
                Message.priority,
                Message.send_at,
                Message.job_id,
                Message.enqueued_at,
                Message.status,
            )
            .where(or_(_waiting(svc, Message, now, Message.status == MessageStatus.PENDING), stuck))
            .order_by(Message.created_at)
            .limit(BATCH)
        ).all()
    again = _lost(svc, Message, [r for r in rows if r.status == MessageStatus.PENDING], now)
    again += [r for r in rows if r.status == MessageStatus.SENDING]
    return recovered(
        "message", svc.dispatcher.enqueue([Due(r.id, r.priority, r.send_at) for r in again])
    )


def _relay_fanouts(svc: Services, now: datetime) -> int:
    with svc.db.session() as session:
        rows = session.execute(
            select(Fanout.id, Fanout.job_id)
            .where(_waiting(svc, Fanout, now, Fanout.state == FanoutState.PENDING))
            .order_by(Fanout.created_at)
            .limit(BATCH)
        ).all()
    again = _lost(svc, Fanout, rows, now)
    return recovered("fanout", svc.dispatcher.enqueue_fanouts([r.id for r in again]))


def _waiting(
    svc: Services, model: type[Message | Fanout], now: datetime, pending: ColumnElement[bool]
) -> ColumnElement[bool]:
    """Pending rows never enqueued (once settled), or enqueued long enough ago to check."""
    settled = now - timedelta(seconds=svc.settings.relay_after_seconds)
    never = and_(model.enqueued_at.is_(None), model.created_at <= settled)
    return and_(pending, or_(never, model.enqueued_at < now - CHECK_JOBS_AFTER))


def _lost(
    svc: Services, model: type[Message | Fanout], rows: Sequence[Any], now: datetime
) -> list[Any]:
    """The rows whose job never reached Redis, is no longer there, or ended in an error.

    The others are marked as checked, so that they are not looked at again for a while.
    """
    known = [r.job_id for r in rows if r.job_id]
    dead = svc.dispatcher.dead_jobs(known) if known else set()
    alive_jobs = [job_id for job_id in known if job_id not in dead]
    # A job a worker took and died with stays "queued" or "started" on no queue: lost too.
    dead |= orphaned(svc, alive_jobs) if alive_jobs else set()
    lost = [r for r in rows if not r.job_id or r.job_id in dead]
    alive = [{"id": r.id, "enqueued_at": now} for r in rows if r.job_id and r.job_id not in dead]
    if alive:
        with svc.db.session() as session:
            session.execute(update(model), alive)
    return lost


def retention_daily(svc: Services) -> retention.Removed | None:
    """Apply retention unless a relay did in the last day (Redis remembers, for all relays)."""
    if not _turn_to(svc, RETENTION_KEY, RETENTION_EVERY):
        return None
    return retention.apply(svc.db, svc.clock.now(), retention.Keep.of(svc.settings))


def rollup_often(svc: Services) -> bool:
    """Bring the dashboard's rollup up to date unless a relay did in the last few minutes.

    The dashboard brings it up to date too, but then only the last minutes are left to count:
    the first count of a large history happens here, not in a compliance officer's request.
    """
    if not _turn_to(svc, ROLLUP_KEY, ROLLUP_EVERY):
        return False
    rollup.refresh(svc.db, svc.clock)
    return True


def _turn_to(svc: Services, key: str, every: timedelta) -> bool:
    """Whether this relay is the first in `every` to do the job `key` names (Redis remembers)."""
    return bool(svc.redis.set(key, svc.clock.now().isoformat(), nx=True, ex=every))


def orphaned(svc: Services, job_ids: Sequence[str]) -> set[str]:
    """Those of `job_ids` that RQ still calls queued or started but that no worker will run.

    A worker takes a job off its queue, then marks it started: killed in between, it leaves a
    job "queued" that is on no queue. The queues are first in, first out, so a queued job older
    than the head of its queue (or on an empty queue) is no longer on it. A job "started" whose
    time in RQ's started registry has run out lost its worker (RQ's own clean-up of those waits
    for a worker's maintenance, up to ten minutes).
    """
    queues = svc.dispatcher.queues
    now = svc.clock.now()
    heads = {str(name): _head_enqueued_at(queue) for name, queue in queues.items()}
    expired = {
        job_id
        for queue in queues.values()
        for job_id in queue.started_job_registry.get_expired_job_ids(now.timestamp())
    }
    found = set()
    for job in Job.fetch_many(list(job_ids), connection=svc.redis):
        if job is None or job.enqueued_at is None:
            continue
        status = job.get_status(refresh=False)
        head = heads.get(job.origin)
        if status == JobStatus.QUEUED and (head is None or head > job.enqueued_at):
            found.add(job.id)
        elif status == JobStatus.STARTED and job.id in expired:
            found.add(job.id)
    return found


def _head_enqueued_at(queue: RqQueue) -> datetime | None:
    """When the job at the head of `queue` was enqueued; None for an empty queue."""
    head = queue.get_job_ids(0, 1)
    job = queue.fetch_job(head[0]) if head else None
    return job.enqueued_at if job is not None else None


def run_forever(svc: Services, interval: float = INTERVAL_SECONDS) -> None:
    """Relay every `interval` seconds until stopped; through an outage, with backoff."""
    svc = for_background(svc)
    backoff = ExponentialBackoff(cap=OUTAGE_BACKOFF_CAP_SECONDS, base=interval / 2)
    failures = 0
    log.info("relay started")
    while True:
        try:
            moved = relay_once(svc)
            retention_daily(svc)
            rollup_often(svc)
            failures = 0
        except (RedisError, SQLAlchemyError) as error:
            # The one clock process outlives an outage of either store and catches up after.
            failures += 1
            log.warning("relay waits for Redis or the database (%d): %s", failures, error)
            moved = 0
        if moved:
            log.info("relayed %d jobs to the queue", moved)
        time.sleep(backoff.compute(failures) if failures else interval)
