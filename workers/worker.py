"""The RQ worker of the service: builds the service's parts once, at start, and lends them to jobs.

Named in the Procfile (`rq worker --worker-class workers.worker.Worker`). A `SimpleWorker` runs
each job in its own process, so the database pool and the HTTP connection to the provider are
kept from one job to the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from rq import Queue as RqQueue
from rq import SimpleWorker
from rq.job import Job

from notifier.config import load_settings
from notifier.services import Services, build_services

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
    """A `SimpleWorker` whose jobs reach the services it built at start."""

    def __init__(self, *args: Any, services: Services | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = services or build_services(load_settings())

    def perform_job(self, job: Job, queue: RqQueue) -> bool:
        """Run one job with this worker's services lent to it."""
        with lending(self.services):
            return super().perform_job(job, queue)
