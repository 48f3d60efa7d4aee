"""The `worker` process: RQ's SimpleWorker, with the settings checked and the service's parts
built once, at start, and lent to each job.

Started as in the Procfile: `rq worker --with-scheduler --worker-class workers.worker.Worker
--config workers.rqconfig`. Jobs run in this process, so its database pool and its HTTP
connection to the SMS provider are kept from one job to the next.

It outlives Redis. RQ's own loop survives Redis errors only while it blocks waiting for a job;
one raised around a job (the job's bookkeeping, its heartbeat) or a Redis that times out ends
the worker ("found an unhandled exception, quitting"). This one waits for Redis and carries on:
what the job did is in the database, and whatever Redis lost the relay finds again. Its
scheduler (`workers.scheduler`) outlives outages too, does not outlive the worker, and takes
over from another worker's that stopped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from rq import Queue as RqQueue
from rq import SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.job import Job

from notifier.redis_clients import BACKGROUND
from notifier.startup import settings_or_exit
from workers.outages import REDIS_AWAY, wait_for_redis
from workers.scheduler import Scheduler

if TYPE_CHECKING:
    from notifier.services import Services

_lent: ContextVar[Services] = ContextVar("services")


def services() -> Services:
    """The services of the worker running the current job."""
    try:
        return _lent.get()
    except LookupError:
        raise RuntimeError("a job ran outside workers.worker.Worker") from None


@contextmanager
def lending(svc: Services) -> Iterator[None]:
    """Let the jobs run inside this block reach `svc`."""
    token = _lent.set(svc)
    try:
        yield
    finally:
        _lent.reset(token)


def _freeze_start_up() -> None:
    """Keep what the process has loaded by now out of the garbage collector's full passes.

    Modules, catalogs and the services live as long as the process; a fan-out that makes
    hundreds of thousands of objects would otherwise have the collector walk them all again
    and again (a tenth of its time).
    """
    gc.collect()
    gc.freeze()


class Worker(SimpleWorker):
    """A SimpleWorker that refuses to start on bad settings and builds the services first."""

    def __init__(self, *args: Any, services: Services | None = None, **kwargs: Any) -> None:
        if services is None:
            settings = settings_or_exit()
            # Imported only now: the metrics count in the directory the settings just chose.
            from notifier.services import build_services

            services = build_services(settings, patience=BACKGROUND)
            _freeze_start_up()
        self.services = services
        super().__init__(*args, **kwargs)

    def perform_job(self, job: Job, queue: RqQueue) -> bool:
        """Run one job with this worker's services lent to it."""
        with lending(self.services):
            return super().perform_job(job, queue)

    def execute_job(self, job: Job, queue: RqQueue) -> None:
        """Run one job; if Redis goes away meanwhile, wait for it instead of quitting."""
        try:
            super().execute_job(job, queue)
        except REDIS_AWAY as error:
            self.log.warning(
                "Worker %s: Redis went away around job %s: %s", self.name, job.id, error
            )
            self.wait_for_redis()

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, RqQueue] | None:
        """Wait for the next job as RQ does, also through a Redis that times out, or that drops
        outside RQ's own retries (setting the worker idle, the heartbeat after a job is taken)."""
        while True:
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except REDIS_AWAY as error:
                self.log.warning("Worker %s: Redis went away: %s", self.name, error)
                self.wait_for_redis()

    def wait_for_redis(self) -> None:
        """Return once Redis answers again (or raise `StopRequested` if asked to stop)."""
        wait_for_redis(
            self.connection, self.log, f"Worker {self.name}", lambda: self._stop_requested
        )

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """Start the scheduler process of `workers.scheduler`, with the locks if it gets them,
        else to take them when they come free. (A burst run schedules in-process: RQ's way.)"""
        if burst:
            super()._start_scheduler(burst, logging_level, date_format, log_format)
            return
        self.scheduler = Scheduler(
            self.queues,
            connection=self.connection,
            logging_level=self.log.level if logging_level is None else logging_level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()  # type: ignore[no-untyped-call]
        self.scheduler.start()  # type: ignore[no-untyped-call]
