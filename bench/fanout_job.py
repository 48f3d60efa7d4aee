"""Run the one fan-out job waiting on the worker's queues, as a worker would, and time it.

Started by `bench.fanout` as a process of its own, with the service's environment, so that
its peak memory is the fan-out's alone. The job's module is imported before the clock starts:
a long-lived worker has paid for that long before a fan-out comes. Prints one JSON line.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

from redis import Redis
from rq import Queue

from bench.stack import worker_queues
from workers.worker import Worker


def main() -> None:
    """Run the waiting job; print its time, the peak RSS (and before the job), whether it failed."""
    redis = Redis.from_url(os.environ["REDIS_URL"])
    queues = [Queue(name, connection=redis) for name in worker_queues()]
    jobs = [job for queue in queues for job in queue.jobs]
    if len(jobs) != 1:
        raise SystemExit(f"expected one fan-out job on the queues, found {len(jobs)}")
    importlib.import_module(str(jobs[0].func_name).rpartition(".")[0])
    worker = Worker(queues, connection=redis)
    before_mb = high_water_mb()
    started = time.perf_counter()
    worker.work(burst=True, max_jobs=1, logging_level="WARNING")
    seconds = time.perf_counter() - started
    failed = sum(queue.failed_job_registry.count for queue in queues)
    peak_mb = high_water_mb()
    found = {"seconds": seconds, "rss_mb": peak_mb, "before_mb": before_mb}
    sys.stdout.write(json.dumps({**found, "failed": failed}))
    sys.stdout.write("\n")


def high_water_mb(pid: int | str = "self") -> float:
    """A process's peak RSS so far, from Linux's VmHWM.

    Not `getrusage`'s ru_maxrss: Linux carries that across exec, so a process the bench starts
    would report the bench's own size (about 200 MB) before it did anything.
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
