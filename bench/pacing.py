"""Pacing: texts from one sender at `SENDER_MPS` 1, 5 and 30, with one and four workers and the
relay, measured by the fake Twilio's arrival times.

The texts are made through the API while no worker runs, then the Procfile's workers and
relay start. The achieved rate is texts per second from the first arrival to the last (to
the deadline if some never came); the busiest one-second window must never hold more than
`SENDER_MPS` texts. The target is the carrier's own rate: no baseline to run beside it.
"""

from __future__ import annotations

import bisect
import time

from bench import seed
from bench.fake_twilio import FakeTwilioProcess
from bench.plan import Context
from bench.producer import Producer, create_key
from bench.report import Figure, Row, middle
from bench.sending import QUEUE, queue_texts
from bench.stack import procfile, say

MINIMUM = 0.95
SLACK_SECONDS = 20.0


def measure(ctx: Context, fake: FakeTwilioProcess) -> list[Row]:
    """Every rate with every worker count, `reps` times each, runs of one rep together."""
    configs = [(mps, texts, w) for mps, texts in ctx.sizes.pacing for w in ctx.sizes.pacing_workers]
    found: dict[tuple[float, int, int], list[tuple[Figure, int]]] = {c: [] for c in configs}
    key = create_key(ctx.stack, ctx.stack.env(ctx.target.url), "bench-pacing")
    for rep in range(ctx.sizes.reps):
        for mps, texts, workers in configs:
            figure, busiest = _run(ctx, fake, key, (mps, texts, workers))
            found[(mps, texts, workers)].append((figure, busiest))
            say(
                f"  pacing {ctx.target.kind} {mps:g}/s, {workers} worker(s), run {rep + 1}:"
                f" {figure.text}"
            )
    return [_row(ctx, config, runs) for config, runs in found.items()]


def _row(ctx: Context, config: tuple[float, int, int], runs: list[tuple[Figure, int]]) -> Row:
    mps, texts, workers = config
    figure = middle([f for f, _ in runs])
    busiest = max(b for _, b in runs)
    ratio = figure.value / mps
    plural = "s" if workers > 1 else ""
    return Row(
        f"pacing SENDER_MPS={mps:g}, {texts} texts, {workers} worker{plural} and the relay",
        ctx.target.kind,
        figure.text,
        f"{mps:g} texts/s allowed",
        ratio,
        f"≥ {MINIMUM:g}, never > {mps:g} in 1 s",
        ratio >= MINIMUM and busiest <= mps,
    )


def _run(
    ctx: Context, fake: FakeTwilioProcess, key: str, config: tuple[float, int, int]
) -> tuple[Figure, int]:
    """One run: (the achieved rate, the most texts in any one-second window)."""
    mps, texts, workers = config
    stack = ctx.stack
    env = stack.env(ctx.target.url, **fake.env(), SENDER_MPS=f"{mps:g}")
    seed.reset(ctx.target.url)  # nothing left pending by the last run for the relay to find
    stack.flush_redis()
    fake.reset()
    url = stack.web("pacing-web", env)
    try:
        producer = Producer(url, key)
        producer.put_queue(QUEUE)
        queue_texts(producer, texts)
        ctx.target.analyze()
        stack.start("pacing-relay", procfile("relay"), env)
        for n in range(workers):
            stack.start(f"pacing-worker-{n}", procfile("worker"), env)
        times = sorted(fake.wait(texts, texts / mps * 1.5 + SLACK_SECONDS))
        ended = time.time()
    finally:
        stack.stop_all()
    last = times[-1] if len(times) == texts else ended
    rate = (len(times) - 1) / (last - times[0]) if len(times) > 1 else 0.0
    busiest = busiest_second(times)
    text = f"{rate:.2f} texts/s, at most {busiest} in 1 s"
    if len(times) != texts:
        text += f" ({len(times)} of {texts} arrived)"
    return Figure(rate, text), busiest


def busiest_second(times: list[float]) -> int:
    """The most arrivals in any window [t, t + 1 s) (sorted times)."""
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)
