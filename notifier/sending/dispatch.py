"""Putting decided texts on RQ, after the database has committed them.

The database is the system of record: a text that could not be put on a queue (Redis down)
stays `pending` with no `enqueued_at`, and the relay puts it on the queue later. A circuit
breaker stands in front of Redis: after a few failures in a row, enqueueing is not even tried
for a few seconds, so a Redis that hangs costs a request nothing (the relay catches up).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pybreaker import CircuitBreaker, CircuitBreakerError
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue as RqQueue
from rq.job import Job, JobStatus
from sqlalchemy import update

from notifier.clock import Clock
from notifier.db import Database
from notifier.models import Fanout, Message
from notifier.sending.lifecycle import Priority
from notifier.work import Due, JobCall

log = logging.getLogger(__name__)

# Workers take queues in the order of `Priority`: "your turn" and opt-out confirmations first,
# then ordinary texts about a ticket, then fan-outs and peak-hour warnings.
QUEUE_NAMES = tuple(Priority)
DELIVER = "workers.deliver.deliver"
FANOUT = "workers.fanout.run"
FORWARD = "workers.forward.forward"
PIPELINE_BATCH = 500
ENDED_UNFINISHED = frozenset({JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})
JOB_RESULT_TTL = 0
JOB_FAILURE_TTL = 7 * 24 * 3600
# After this many Redis failures in a row, enqueueing is left to the relay for this long; then
# one attempt decides whether to resume.
BREAKER_FAIL_MAX = 3
BREAKER_RESET_SECONDS = 5.0


def enqueue_breaker() -> CircuitBreaker:
    """A circuit breaker for enqueueing, one per process: only Redis's failures count."""
    return CircuitBreaker(
        fail_max=BREAKER_FAIL_MAX,
        reset_timeout=BREAKER_RESET_SECONDS,
        exclude=[lambda error: not isinstance(error, RedisError)],
        name="enqueue",
    )


class Dispatcher:
    """Enqueues deliver jobs in pipelined batches and records that they were enqueued."""

    def __init__(
        self, redis: Redis, db: Database, clock: Clock, breaker: CircuitBreaker | None = None
    ) -> None:
        self.redis = redis
        self._db = db
        self._clock = clock
        self.queues = {name: RqQueue(name, connection=redis) for name in QUEUE_NAMES}
        self.breaker = breaker or enqueue_breaker()

    def enqueue(self, items: Sequence[Due], model: type[Message | Fanout] = Message) -> int:
        """Enqueue the job of each row (a deliver job per message, a fan-out job per fan-out);
        on a Redis failure leave the rest for the relay. Answer how many were enqueued."""
        func = DELIVER if model is Message else FANOUT
        done = 0
        for start in range(0, len(items), PIPELINE_BATCH):
            batch = items[start : start + PIPELINE_BATCH]
            job_ids = {m.row_id: f"{m.row_id}-{uuid.uuid4().hex[:8]}" for m in batch}
            try:
                # `calling()` runs the block outside the breaker's lock (`call()` holds it),
                # so the threads of a web process do not queue behind one another.
                with self.breaker.calling():
                    self._push(batch, job_ids, func)
            except (RedisError, CircuitBreakerError) as error:
                log.warning(
                    "Redis unreachable, %d jobs wait for the relay: %s", len(items) - done, error
                )
                break
            self._mark_enqueued(model, job_ids)
            done += len(batch)
        return done

    def enqueue_job(self, call: JobCall) -> None:
        """Enqueue one job (its function by dotted name), now or after its delay."""
        queue = self.queues[Priority(call.priority)]
        ttls = {"result_ttl": JOB_RESULT_TTL, "failure_ttl": JOB_FAILURE_TTL}
        try:
            with self.breaker.calling():
                if call.delay is None:
                    queue.enqueue(call.func, *call.args, **ttls)
                else:
                    queue.enqueue_in(call.delay, call.func, *call.args, **ttls)
        except (RedisError, CircuitBreakerError) as error:
            log.warning(
                "could not enqueue %s%s, Redis unreachable: %s", call.func, call.args, error
            )

    def enqueue_fanouts(self, fanout_ids: Sequence[str]) -> int:
        """Enqueue a fan-out job per id, behind the texts that concern one ticket."""
        return self.enqueue([Due(i, Priority.BULK, None) for i in fanout_ids], Fanout)

    def dead_jobs(self, job_ids: Sequence[str]) -> set[str]:
        """Those of `job_ids` that will never run to the end: lost with Redis's memory, or
        ended by an error (RQ keeps those in its failed-job registry, where none retries)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(Job.key_for(job_id), "status")
            statuses = pipe.execute()
        return {
            job_id
            for job_id, status in zip(job_ids, statuses, strict=True)
            if status is None or status.decode() in ENDED_UNFINISHED
        }

    def _push(self, batch: Sequence[Due], job_ids: Mapping[str, str], func: str) -> None:
        now = self._clock.now()
        with self.redis.pipeline() as pipe:
            for name, queue in self.queues.items():
                mine = [m for m in batch if m.priority == name]
                ready = [m for m in mine if not _later(m, now)]
                if ready:
                    queue.enqueue_many(
                        [_job_data(func, m, job_ids[m.row_id]) for m in ready], pipeline=pipe
                    )
                for m in mine:
                    if _later(m, now):
                        job = queue.create_job(
                            func,
                            args=(m.row_id,),
                            job_id=job_ids[m.row_id],
                            result_ttl=JOB_RESULT_TTL,
                            failure_ttl=JOB_FAILURE_TTL,
                        )
                        queue.schedule_job(job, m.send_at, pipeline=pipe)  # type: ignore[arg-type]
            pipe.execute()

    def _mark_enqueued(self, model: type[Message | Fanout], job_ids: Mapping[str, str]) -> None:
        now = self._clock.now()
        rows = [{"id": m, "job_id": j, "enqueued_at": now} for m, j in job_ids.items()]
        with self._db.session() as session:
            session.execute(update(model), rows)


def _later(item: Due, now: datetime) -> bool:
    return item.send_at is not None and item.send_at > now


def _job_data(func: str, item: Due, job_id: str) -> Any:
    return RqQueue.prepare_data(
        func,
        args=(item.row_id,),
        job_id=job_id,
        result_ttl=JOB_RESULT_TTL,
        failure_ttl=JOB_FAILURE_TTL,
    )
