"""Run the one fan-out job waiting on the worker's queues, as a worker would, and time it.

Started by `bench.fanout` as a process of its own, with the service's environment, so that
its peak memory is the fan-out's alone. The job's module is imported before the clock starts:
a long-lived worker has paid for that long before a fan-out comes. Prints one JSON line.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time

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
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.perf_counter()
    worker.work(burst=True, max_jobs=1, logging_level="WARNING")
    seconds = time.perf_counter() - started
    failed = sum(queue.failed_job_registry.count for queue in queues)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    found = {"seconds": seconds, "rss_mb": peak_kib / 1024, "before_mb": before_kib / 1024}
    sys.stdout.write(json.dumps({**found, "failed": failed}))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
