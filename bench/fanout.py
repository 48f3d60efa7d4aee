"""Fan-out: `queue.delayed` to N waiting tickets and peak alerts to N subscribers, against a bare
`enqueue_many` of as many no-op jobs in the same run.

N waiting customers with consent are seeded (`bench.seed`), the event is posted to the
service's API with no worker running, and the one fan-out job it queued is run by a
SimpleWorker burst in a process of its own (`bench.fanout_job`), which reports the job's
time and its peak RSS. A run that passes `fanout_deadline` is stopped and counted by the
texts it had decided by then.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rq import Queue

from bench import seed
from bench.fanout_job import high_water_mb
from bench.plan import Context
from bench.producer import Producer, create_key, phone
from bench.report import Figure, Row, middle, ratio_row
from bench.stack import ROOT, say

QUEUE = "fanout"
PIPELINE_BATCH = 500  # jobs per pipelined round trip, as the service enqueues them
RSS_LIMIT_MB = 200
PHONES = 2_000_000


def noop() -> None:
    """The job the bare enqueue baseline enqueues (never run)."""


def measure(ctx: Context) -> list[Row]:
    """Delay fan-outs at each size and peak alerts, each run beside a bare enqueue."""
    sizes, stack = ctx.sizes, ctx.stack
    env = stack.env(ctx.target.url)
    most = max(*sizes.fanouts, *sizes.peak_alerts)
    started = time.perf_counter()
    seed.grant_consent(ctx.target.url, [phone(PHONES, n) for n in range(most)], PURPOSES)
    say(f"  seeded {most:,} consent records in {time.perf_counter() - started:.0f} s")
    url = stack.web("fanout-web", env)
    producer = Producer(url, create_key(stack, env, "bench-fanout"))
    producer.put_queue(QUEUE)
    rows: list[Row] = []
    try:
        rss: list[Figure] = []
        for size in sizes.fanouts:
            found, rss = _pairs(ctx, producer, size, _delay)
            path = f"fan-out queue.delayed, {size:,} waiting"
            rows.append(ratio_row(path, ctx.target.kind, found[0], found[1], 0.3))
        rows.append(_rss_row(f"fan-out peak RSS, {max(sizes.fanouts):,} waiting", ctx, rss))
        for size in sizes.peak_alerts:
            found, rss = _pairs(ctx, producer, size, _peak)
            path = f"peak alerts, {size:,} subscribers"
            rows.append(ratio_row(path, ctx.target.kind, found[0], found[1], 0.3))
        path = f"peak alerts peak RSS, {max(sizes.peak_alerts):,} subscribers"
        rows.append(_rss_row(path, ctx, rss))
    finally:
        stack.stop_all()
    return rows


PURPOSES = ("queue_updates", "peak_alerts")


def _rss_row(path: str, ctx: Context, rss: list[Figure]) -> Row:
    """The middle run's peak RSS against the limit."""
    peak = middle(rss)
    text = f"peak RSS {peak.text}"
    return Row(
        path, ctx.target.kind, text, "", None, f"< {RSS_LIMIT_MB} MB", peak.value < RSS_LIMIT_MB
    )


def _pairs(
    ctx: Context, producer: Producer, size: int, event: Callable[[], dict[str, Any]]
) -> tuple[tuple[list[Figure], list[Figure]], list[Figure]]:
    """(service, baseline) figures of `reps` interleaved runs, and the service's peak RSS."""
    service: list[Figure] = []
    bare: list[Figure] = []
    rss: list[Figure] = []
    kind = event.__name__.strip("_")
    for rep in range(ctx.sizes.reps):
        figure, peak = _service(ctx, producer, size, event())
        service.append(figure)
        rss.append(peak)
        bare.append(_bare(ctx, size))
        say(
            f"  {kind} {size:,} {ctx.target.kind} run {rep + 1}: {figure.text},"
            f" peak RSS {peak.text}; bare {bare[-1].text}"
        )
    return (service, bare), rss


def _service(
    ctx: Context, producer: Producer, size: int, body: dict[str, Any]
) -> tuple[Figure, Figure]:
    url = ctx.target.url
    seed.reset(url)
    ctx.stack.flush_redis()
    seed.waiting_tickets(url, QUEUE, [phone(PHONES, n) for n in range(size)])
    ctx.target.analyze()
    answer = producer.post_event(body)
    if answer.get("recipients") != size:
        raise RuntimeError(f"the service counted {answer.get('recipients')} recipients, not {size}")
    seconds, peak, cut = _job(ctx)
    decided = seed.texts_decided(url)
    rate = decided / seconds
    text = f"{rate:,.0f} recipients/s"
    if cut:
        text += f" (stopped at {seconds:.0f} s, {decided:,} of {size:,} decided)"
    elif decided != size:
        raise RuntimeError(f"the fan-out decided {decided} texts for {size} recipients")
    return Figure(rate, text), peak


def _job(ctx: Context) -> tuple[float, Figure, bool]:
    """Run the fan-out job in its own process: (seconds, peak RSS, stopped early)."""
    log = (ctx.stack.tmp / "logs" / "fanout-job.log").open("ab")
    deadline = ctx.sizes.fanout_deadline
    started = time.perf_counter()
    with (
        log,
        subprocess.Popen(
            [sys.executable, "-m", "bench.fanout_job"],
            cwd=ROOT,
            env=ctx.stack.env(ctx.target.url),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        ) as child,
    ):
        try:
            out, _ = child.communicate(timeout=deadline)
        except subprocess.TimeoutExpired:
            peak_mb = high_water_mb(child.pid)
            child.kill()
            child.communicate()
            return time.perf_counter() - started, Figure(peak_mb, f"{peak_mb:,.0f} MB"), True
    if child.returncode != 0:
        raise RuntimeError(f"the fan-out job's process failed; see {log.name}")
    found = json.loads(out.strip().splitlines()[-1])
    if found["failed"]:
        raise RuntimeError(f"the fan-out job failed; see {log.name}")
    peak = Figure(
        found["rss_mb"], f"{found['rss_mb']:,.0f} MB ({found['before_mb']:,.0f} before the job)"
    )
    return float(found["seconds"]), peak, False


def _bare(ctx: Context, jobs: int) -> Figure:
    """Enqueue `jobs` prepared no-op jobs in pipelined batches: the least a fan-out costs."""
    ctx.stack.flush_redis()
    queue = Queue("bench-bare", connection=ctx.stack.redis)
    data = [Queue.prepare_data(noop, result_ttl=0) for _ in range(jobs)]
    started = time.perf_counter()
    for start in range(0, jobs, PIPELINE_BATCH):
        with ctx.stack.redis.pipeline() as pipe:
            queue.enqueue_many(data[start : start + PIPELINE_BATCH], pipeline=pipe)
            pipe.execute()
    rate = jobs / (time.perf_counter() - started)
    if queue.count != jobs:
        raise RuntimeError(f"the bare baseline enqueued {queue.count} of {jobs} jobs")
    ctx.stack.flush_redis()
    return Figure(rate, f"{rate:,.0f} jobs/s")


def _delay() -> dict[str, Any]:
    return {
        "id": f"delay-{uuid.uuid4().hex[:12]}",
        "type": "queue.delayed",
        "occurred_at": datetime.now(UTC).isoformat(),
        "queue_id": QUEUE,
        "delay_minutes": 15,
        "action": "a second clerk is joining",
        "compensation": "free coffee",
    }


def _peak() -> dict[str, Any]:
    now = datetime.now(UTC)
    start = (now + timedelta(hours=3)).replace(microsecond=0)
    return {
        "id": f"peak-{uuid.uuid4().hex[:12]}",
        "type": "queue.peak_forecast",
        "occurred_at": now.isoformat(),
        "queue_id": QUEUE,
        "windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
        "note": "bring a book",
    }
