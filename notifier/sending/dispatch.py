"""Putting decided texts on RQ, after the database has committed them.

Texts travel in batches: one deliver job carries up to `DELIVER_BATCH` texts of one priority,
and texts due later share one scheduled job per second they are due in. The database is the
system of record: a job's id is written on its rows before they commit, so a job that Redis
never got (Redis down) or lost (a restart) is found by the relay and enqueued again.
A circuit breaker stands in front of Redis: after a few failures in a row, enqueueing is not
even tried for a few seconds, so a Redis that hangs costs a request nothing (the relay catches
up).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

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
from notifier.work import Due, JobCall, PlannedJob

log = logging.getLogger(__name__)
T = TypeVar("T")

# Workers take queues in the order of `Priority`: "your turn" and opt-out confirmations first,
# then ordinary texts about a ticket, then fan-outs and peak-hour warnings.
QUEUE_NAMES = tuple(Priority)
DELIVER = "workers.deliver.deliver_many"
FANOUT = "workers.fanout.run"
FORWARD = "workers.forward.forward"
# Texts one deliver job claims and sends together (concurrently, each in its pacing slot).
DELIVER_BATCH = 100
# RQ schedules in whole seconds, and its scheduler looks once a second: the job of texts due in
# second S reaches its queue some time in [S, S + 1), late for those due early in that second.
# A claim takes a text due within the next second (`lifecycle.EARLY`), so texts due this soon
# (put back for their pacing slot, retried) also get a job for S - 1, which reaches the queue
# in [S - 1, S): one of the two always comes within the second before each text is due, and
# the text waits for its time in the worker; the other finds it gone. Later texts need not.
ON_TIME_WITHIN = timedelta(minutes=1)
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
    """Plans jobs for decided rows and puts them on RQ in pipelined round trips."""

    def __init__(
        self, redis: Redis, db: Database, clock: Clock, breaker: CircuitBreaker | None = None
    ) -> None:
        self.redis = redis
        self._db = db
        self._clock = clock
        self.queues = {name: RqQueue(name, connection=redis) for name in QUEUE_NAMES}
        self.breaker = breaker or enqueue_breaker()

    def plan(self, texts: Sequence[Due], fanout_ids: Sequence[str]) -> list[PlannedJob]:
        """Deliver jobs for `texts`, by priority and the second they are due; a job a fan-out."""
        now = self._clock.now()
        groups: dict[tuple[str, int | None], list[str]] = {}
        for due in texts:
            later = due.send_at is not None and due.send_at > now
            second = int(due.send_at.timestamp()) if later and due.send_at else None
            groups.setdefault((due.priority, second), []).append(due.row_id)
        soon = (now + ON_TIME_WITHIN).timestamp()
        jobs = [
            PlannedJob(_job_id("deliver"), DELIVER, priority, chunk, _at(at))
            for (priority, second), ids in groups.items()
            for chunk in _chunks(ids, DELIVER_BATCH)
            # The rows keep the id of the last job planned for them: the one at their second.
            for at in ([second - 1, second] if second is not None and second < soon else [second])
        ]
        jobs += [
            PlannedJob(_job_id("fanout"), FANOUT, Priority.BULK, (i,), None) for i in fanout_ids
        ]
        return jobs

    def push(self, jobs: Sequence[PlannedJob]) -> int:
        """Put planned jobs on their queues in pipelined round trips; what Redis refuses is
        left for the relay. Answer how many jobs got there."""
        done = 0
        for chunk in _chunks(jobs, PIPELINE_BATCH):
            try:
                # `calling()` runs the block outside the breaker's lock (`call()` holds it),
                # so the threads of a web process do not queue behind one another.
                with self.breaker.calling():
                    self._push(chunk)
            except (RedisError, CircuitBreakerError) as error:
                left = len(jobs) - done
                log.warning("Redis unreachable, %d jobs wait for the relay: %s", left, error)
                break
            done += len(chunk)
        return done

    def enqueue(self, items: Sequence[Due], model: type[Message | Fanout] = Message) -> int:
        """Plan, push and record jobs for rows already committed (the relay's way in).

        Answer how many rows reached a queue."""
        jobs = (
            self.plan(items, []) if model is Message else self.plan([], [i.row_id for i in items])
        )
        pushed = jobs[: self.push(jobs)]
        if pushed:
            now = self._clock.now()
            rows = [
                {"id": row_id, "job_id": job.job_id, "enqueued_at": now}
                for job in pushed
                for row_id in job.row_ids
            ]
            with self._db.session() as session:
                session.execute(update(model), rows)
        return sum(len(job.row_ids) for job in pushed)

    def enqueue_fanouts(self, fanout_ids: Sequence[str]) -> int:
        """Enqueue a fan-out job per id, behind the texts that concern one ticket."""
        return self.enqueue([Due(i, Priority.BULK, None) for i in fanout_ids], Fanout)

    def enqueue_job(self, call: JobCall) -> bool:
        """Enqueue one job (its function by dotted name), now or after its delay; False (and
        logged) if Redis could not take it."""
        queue = self.queues[Priority(call.priority)]
        ttls = {"result_ttl": JOB_RESULT_TTL, "failure_ttl": JOB_FAILURE_TTL}
        try:
            with self.breaker.calling():
                if call.delay is None:
                    queue.enqueue(call.func, *call.args, **ttls)
                else:
                    queue.enqueue_in(call.delay, call.func, *call.args, **ttls)
        except (RedisError, CircuitBreakerError) as error:
            log.warning("could not enqueue %s, Redis unreachable: %s", call.func, error)
            return False
        return True

    def take_waiting(self, priority: str, room: int) -> list[str]:
        """Take deliver jobs off the front of `priority`'s queue, as many as carry `room` texts
        at most; answer their texts. A job taken is gone: no worker will run it.

        A backlog of one-text jobs (one per event) is so sent in batches. Should the taker die
        before it claims the texts, they wait `pending` under a job Redis no longer knows, and
        the relay puts them back on the queue.
        """
        if room <= 0:
            return []
        queue = self.queues[Priority(priority)]
        chosen: list[Job] = []
        for job in Job.fetch_many(queue.get_job_ids(0, room - 1), connection=self.redis):
            if job is None or job.func_name != DELIVER:
                continue
            room -= len(job.args[0])
            if room < 0:
                break
            chosen.append(job)
        if not chosen:
            return []
        with self.redis.pipeline() as pipe:
            for job in chosen:
                queue.remove(job, pipeline=pipe)
            removed = pipe.execute()
        taken = [job for job, count in zip(chosen, removed, strict=True) if count]
        if taken:  # off every queue, in no registry yet: its hash is all that is left of it
            self.redis.delete(*(job.key for job in taken))
        return [message_id for job in taken for message_id in job.args[0]]

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

    def _push(self, jobs: Sequence[PlannedJob]) -> None:
        with self.redis.pipeline() as pipe:
            for name, queue in self.queues.items():
                mine = [job for job in jobs if job.priority == name]
                ready = [_job_data(job) for job in mine if job.at is None]
                if ready:
                    queue.enqueue_many(ready, pipeline=pipe)
                for job in mine:
                    if job.at is not None:
                        rq_job = queue.create_job(
                            job.func,
                            args=_args(job),
                            job_id=job.job_id,
                            result_ttl=JOB_RESULT_TTL,
                            failure_ttl=JOB_FAILURE_TTL,
                        )
                        queue.schedule_job(rq_job, job.at, pipeline=pipe)
            pipe.execute()


def _chunks(items: Sequence[T], size: int) -> list[tuple[T, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def _job_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def _at(second: int | None) -> datetime | None:
    return None if second is None else datetime.fromtimestamp(second, UTC)


def _args(job: PlannedJob) -> tuple[Any, ...]:
    # A fan-out job takes its one id; a deliver job the list of its texts.
    return (job.row_ids[0],) if job.func == FANOUT else (list(job.row_ids),)


def _job_data(job: PlannedJob) -> Any:
    return RqQueue.prepare_data(
        job.func,
        args=_args(job),
        job_id=job.job_id,
        result_ttl=JOB_RESULT_TTL,
        failure_ttl=JOB_FAILURE_TTL,
    )
