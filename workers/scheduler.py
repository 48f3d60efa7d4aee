"""RQ's scheduler, made to outlive Redis outages, to stop when its worker is gone, and to take
over soon from one that stopped.

A worker started with `--with-scheduler` forks a scheduler process that holds RQ's scheduler
locks and moves due jobs onto their queues. RQ's own scheduler process ends at its first Redis
error, and outlives a worker killed with SIGKILL: alone, it keeps the locks, so the worker that
replaces the dead one cannot schedule. And a worker that did not get the locks when it started
tries again only at its maintenance, up to ten minutes later; until then nothing schedules.

This one waits out outages, stops (releasing its locks) once its worker is gone, and runs in
every worker, with or without the locks: one without them tries for them every few seconds.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from rq.exceptions import StopRequested
from rq.scheduler import RQScheduler

from workers.outages import REDIS_AWAY, wait_for_redis

# A scheduler without the locks tries for them this often (RQ's own waits two minutes). A lock
# is released when its scheduler stops, or expires a minute after a crash.
LOCK_RETRY_SECONDS = 5.0


class Scheduler(RQScheduler):
    """RQ's scheduler that waits out Redis outages and stops when its worker is gone.

    (RQ's scheduler methods carry no type information, hence the `no-untyped-call` ignores.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Made in the worker's process, which then forks the scheduler's.
        self.worker_pid = os.getpid()

    def work(self) -> None:
        """Schedule until asked to stop or orphaned; a Redis outage is waited out."""
        while True:
            try:
                # Returns once a stop was requested and the locks are released.
                super().work()  # type: ignore[no-untyped-call]
                return
            except REDIS_AWAY:
                try:
                    wait_for_redis(self.connection, self.log, f"Scheduler {self.name}", self.ended)
                except StopRequested:
                    return  # the locks it held expire a minute after its last heartbeat

    @property
    def should_reacquire_locks(self) -> bool:
        """Whether to try for the locks it lacks now: every few seconds while it lacks any."""
        if self._queue_names == self.acquired_locks:
            return False
        tried: datetime | None = self.lock_acquisition_time  # RQ sets it on every try
        if tried is None:
            return True
        return (datetime.now() - tried).total_seconds() > LOCK_RETRY_SECONDS

    def heartbeat(self) -> None:
        """Refresh the locks; if the worker is gone, stop instead (the loop's next turn releases
        the locks, so the worker that replaces it can take them)."""
        if self.orphaned():
            self.log.warning("Scheduler %s: its worker is gone; stopping", self.name)
            self.request_stop()  # type: ignore[no-untyped-call]
            return
        super().heartbeat()  # type: ignore[no-untyped-call]

    def orphaned(self) -> bool:
        """The worker that started this scheduler has ended (this process was handed on)."""
        return os.getppid() != self.worker_pid

    def ended(self) -> bool:
        """Asked to stop, or orphaned."""
        return self._stop_requested or self.orphaned()
