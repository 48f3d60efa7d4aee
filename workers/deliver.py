"""The deliver job: a batch of decided texts, each sent if it still may and should go
(`notifier.sending.courier`).

A job also takes the deliver jobs waiting right behind it on its queue, up to a batch: one event
makes one job of one text, and a backlog of them is sent a batch at a time.
"""

from __future__ import annotations

import logging
from collections import Counter

from redis.exceptions import RedisError
from rq import get_current_job

from notifier.events.tickets import staleness
from notifier.sending import courier as couriers
from notifier.sending.courier import Courier
from notifier.sending.dispatch import DELIVER_BATCH
from notifier.services import Services
from workers.worker import services

log = logging.getLogger(__name__)


def courier(svc: Services) -> Courier:
    """What the worker's services lend to carrying texts out."""
    callback = svc.settings.status_callback_url if svc.provider.name == "twilio" else None
    return Courier(svc.work, svc.provider, svc.pacer, callback, staleness)


def deliver(message_id: str) -> str:
    """Send one decided text if it still may and should go; answer what happened."""
    return couriers.deliver(courier(services()), message_id)


def deliver_many(message_ids: list[str]) -> str:
    """Send a batch of decided texts, each if it still may and should go, with those of the
    jobs waiting behind this one; sum up what happened."""
    svc = services()
    outcome = couriers.deliver_many(courier(svc), [*message_ids, *_behind(svc, message_ids)])
    counts = Counter(verdict.split(":")[0] for verdict in outcome.values())
    return ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items()))


def _behind(svc: Services, message_ids: list[str]) -> list[str]:
    """The texts of the deliver jobs waiting behind this job on its queue, up to a batch, and no
    more than one sender may send within the pacing horizon: any more would only be put back
    to wait, through RQ's scheduler, and come back late for their slots."""
    paced = int(couriers.HORIZON_SECONDS / svc.pacer.interval)
    job, room = get_current_job(), min(DELIVER_BATCH, paced) - len(message_ids)
    if job is None or room <= 0:
        return []
    try:
        return svc.dispatcher.take_waiting(job.origin, room)
    except RedisError as error:  # those jobs then run on their own
        log.warning("could not take the jobs behind %s: %s", job.id, error)
        return []
