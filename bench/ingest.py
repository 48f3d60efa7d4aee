"""Ingest: `POST /v1/events` `ticket.joined` with consent, against two baselines, same gunicorn.

Each side is served by the Procfile's web command (the service's `wsgi:app`, or a baseline
app in its place), warmed up, then driven by `connections` clients for a bounded time. The
INSERT baseline writes to the same kind of database as the service.
"""

from __future__ import annotations

import uuid

from bench import baseline_app, databases, loadgen
from bench.loadgen import Load
from bench.plan import Context, Sizes
from bench.producer import Producer, create_key
from bench.report import Figure, Row, ratio_row
from bench.stack import SERVICE_APP, Process, say

QUEUE = "ingest"
# A run in which one of the web workers did less than this share of the work measured the other
# alone: it is measured again, at most `ATTEMPTS` times in all.
LEAST_WORKER_SHARE = 0.1
ATTEMPTS = 3
INSERT_APP = 'bench.baseline_app:create_app("insert")'
BARE_APP = 'bench.baseline_app:create_app("bare")'


def measure(ctx: Context) -> list[Row]:
    """Service, INSERT baseline and bare Flask, interleaved `reps` times."""
    if not loadgen.has_wrk():
        say(loadgen.WRK_MISSING)
    env = ctx.stack.env(ctx.target.url)
    key = create_key(ctx.stack, env, "bench-ingest")
    insert_url = databases.baseline_url(ctx.target, ctx.stack, "ingest-baseline")
    baseline_app.create_table(insert_url)
    baseline_env = {**env, "BENCH_BASELINE_DATABASE_URL": insert_url}
    sides = {
        "service": (SERVICE_APP, env),
        "INSERT baseline": (INSERT_APP, baseline_env),
        "bare Flask": (BARE_APP, baseline_env),
    }
    found: dict[str, list[Figure]] = {name: [] for name in sides}
    for rep in range(ctx.sizes.reps):
        for name, (app, side_env) in sides.items():
            figure = _side(ctx, name, app, side_env, key)
            say(f"  ingest {ctx.target.kind} run {rep + 1} {name}: {figure.text}")
            found[name].append(figure)
    path = "ingest ticket.joined, 16 connections"
    return [
        ratio_row(path, ctx.target.kind, found["service"], found["INSERT baseline"], 0.5),
        ratio_row(
            path + " vs bare Flask",
            ctx.target.kind,
            found["service"],
            found["bare Flask"],
            0.15,
            aim=True,
        ),
    ]


def _side(ctx: Context, name: str, app: str, env: dict[str, str], key: str) -> Figure:
    """Serve `app` with the Procfile's web settings, warm it, and load it for a bounded time."""
    process = f"ingest-{name.split()[0].lower()}"
    url = ctx.stack.web(process, env, app)
    try:
        if app == SERVICE_APP:
            Producer(url, key).put_queue(QUEUE)
        sizes = ctx.sizes
        loadgen.ingest(url, key, _run(), QUEUE, sizes.warmup_seconds, sizes.connections)
        # The statistics a maintained database would have, of tables that hold rows: this
        # machine's PostgreSQL runs no autovacuum. Taken of the empty tables, they told the
        # planner every table was empty, and the plans prepared then scanned whole tables.
        ctx.target.analyze()
        load = _spread_load(ctx.stack.process(process), url, key, sizes)
    finally:
        ctx.stack.stop_all()
    text = f"{load.rate:,.0f} events/s, p99 {load.p99_ms:,.0f} ms"
    if load.errors:
        text += f", {load.errors:,} errors"
    return Figure(load.rate, text)


def _spread_load(web: Process, url: str, key: str, sizes: Sizes) -> Load:
    """The measured load, over the web process's workers as the Procfile runs them.

    wrk opens its connections at once and keeps them; gunicorn's workers accept them as they
    come, and now and then one worker takes them all. Such a run measures one worker, so it
    is run again (for every side alike), up to `ATTEMPTS` times.
    """
    for _ in range(ATTEMPTS - 1):
        load, least = _measured(web, url, key, sizes)
        if least >= LEAST_WORKER_SHARE:
            return load
        say(f"    one web worker did {least:.0%} of the work: measured again")
    return _measured(web, url, key, sizes)[0]


def _measured(web: Process, url: str, key: str, sizes: Sizes) -> tuple[Load, float]:
    """The measured load, and the least share of its work that one web worker did."""
    before = web.children_cpu()
    load = loadgen.ingest(url, key, _run(), QUEUE, sizes.ingest_seconds, sizes.connections)
    used = [cpu - before.get(pid, 0.0) for pid, cpu in web.children_cpu().items()]
    least = min(used) / sum(used) if len(used) > 1 and sum(used) > 0 else 1.0
    return load, least


def _run() -> str:
    """A tag that makes this run's event and ticket ids its own."""
    return "r" + uuid.uuid4().hex[:10]
