"""The `worker` process: RQ's SimpleWorker, with the settings checked and the service's parts
built once, at start, and lent to each job.

Started as in the Procfile: `rq worker --with-scheduler --worker-class workers.worker.Worker
-c workers.rq_settings`. Jobs run in this process, so its database pool and its HTTP connection
to the SMS provider are kept from one job to the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from rq import Queue as RqQueue
from rq import SimpleWorker
from rq.job import Job

from notifier.startup import settings_or_exit

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


class Worker(SimpleWorker):
    """A SimpleWorker that refuses to start on bad settings and builds the services first."""

    def __init__(self, *args: Any, services: Services | None = None, **kwargs: Any) -> None:
        if services is None:
            settings = settings_or_exit()
            # Imported only now: the metrics count in the directory the settings just chose.
            from notifier.services import build_services

            services = build_services(settings)
        self.services = services
        super().__init__(*args, **kwargs)

    def perform_job(self, job: Job, queue: RqQueue) -> bool:
        """Run one job with this worker's services lent to it."""
        with lending(self.services):
            return super().perform_job(job, queue)
