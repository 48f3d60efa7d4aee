"""The relay: puts on the queue every text the database holds that Redis does not.

A text accepted while Redis was down waits as `pending` with no `enqueued_at`; one whose job
Redis lost (a restart without persistence) has a job id that Redis no longer knows; one left
`sending` by a crash needs reconciling. The relay finds all three and enqueues them again;
the deliver job's claim makes a second copy harmless.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import and_, or_, select

from notifier.dispatch import Due
from notifier.models import Message
from notifier.services import Services, current
from workers.deliver import STUCK_AFTER

log = logging.getLogger(__name__)

BATCH = 1000
# Jobs this old are checked against Redis; younger ones are surely still there.
CHECK_JOBS_AFTER = timedelta(minutes=1)
INTERVAL_SECONDS = 5.0


def relay_once(svc: Services | None = None) -> int:
    """Enqueue every text that should be on a queue and is not; answer how many."""
    svc = svc or current()
    now = svc.clock.now()
    settled = now - timedelta(seconds=svc.settings.relay_after_seconds)
    never = and_(
        Message.status == "pending", Message.enqueued_at.is_(None), Message.created_at <= settled
    )
    old = and_(Message.status == "pending", Message.enqueued_at < now - CHECK_JOBS_AFTER)
    # A stuck text is enqueued once per claim (and again if that did not settle it).
    stuck = and_(
        Message.status == "sending",
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
            .where(or_(never, old, stuck))
            .order_by(Message.created_at)
            .limit(BATCH)
        ).all()
    known = [r.job_id for r in rows if r.status == "pending" and r.enqueued_at and r.job_id]
    lost = svc.dispatcher.missing_jobs(known) if known else set()
    again = [r for r in rows if r.status == "sending" or r.job_id not in known or r.job_id in lost]
    return svc.dispatcher.enqueue([Due(r.id, r.priority, r.send_at) for r in again])


def run_forever(svc: Services | None = None, interval: float = INTERVAL_SECONDS) -> None:
    """Relay every `interval` seconds until stopped."""
    svc = svc or current()
    log.info("relay started")
    while True:
        try:
            moved = relay_once(svc)
        except RedisError as error:
            log.warning("relay waits for Redis: %s", error)
            moved = 0
        if moved:
            log.info("relayed %d texts to the queue", moved)
        time.sleep(interval)
