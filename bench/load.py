"""`make load`: hold a fixed rate of mixed events against the whole service, and say how it went.

    make load                                   # 300 events/s for 60 s
    make load LOAD_ARGS="--rate 100 --seconds 20"

Local only and bounded: the service runs from the Procfile (web, a worker, the relay) on
127.0.0.1 with the bench's own Redis, on PostgreSQL when `DATABASE_URL` is set (a scratch
database beside it) and SQLite otherwise, sending through the real Twilio client to the fake
Twilio. Events start on a fixed schedule whatever the answers: customers join (with consent),
move up, are called and leave; now and then a queue runs late. Each latency counts from when
its request was due, so falling behind shows. The load ends `DRAIN_SECONDS` after its last
request was due, whatever is still waiting.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import databases, loadgen, report
from bench.fake_twilio import FakeTwilioProcess
from bench.loadgen import Load
from bench.producer import Producer, create_key, joined, phone
from bench.stack import ROOT, Stack, procfile, say

P99_LIMIT_MS = 100.0
RESULTS = ROOT / "bench" / "load.md"
PHONES = 9_000_000
# Shares of the events: most are about one ticket; a queue-wide delay is rare.
MIX = (("ticket.joined", 0.30), ("ticket.updated", 0.35), ("ticket.called", 0.15))
DELAYED_SHARE = 0.0005
MAX_OPEN_TICKETS = 3000


class MixedTraffic:
    """Customers' lives as events: a ticket is only named once its join was accepted."""

    def __init__(self, queues: list[str], seed: int = 10) -> None:
        self._queues = queues
        self._random = random.Random(seed)
        self._run = uuid.uuid4().hex[:8]
        self._count = 0
        self._lock = threading.Lock()
        self._waiting: list[tuple[str, str, int]] = []  # (queue, ticket id, position)
        self._called: list[tuple[str, str, int]] = []

    def next_body(self) -> dict[str, Any]:
        """The next event, by the mix."""
        self._count += 1
        roll = self._random.random()
        with self._lock:
            kind = self._kind(roll)
            if kind == "ticket.joined":
                return self._joined()
            if kind == "queue.delayed":
                return self._delayed()
            pool = self._called if kind == "ticket.closed" and self._called else self._waiting
            queue, ticket, position = pool.pop(self._random.randrange(len(pool)))
        body = self._envelope(kind, queue)
        if kind == "ticket.updated":
            position = max(1, position - 1)
            body["ticket"] = {"id": ticket, "position": position, "eta_minutes": 5 * position}
            self._keep(self._waiting, (queue, ticket, position))
        elif kind == "ticket.called":
            body["ticket"] = {"id": ticket, "counter": "desk 2"}
            self._keep(self._called, (queue, ticket, position))
        else:
            body["ticket"] = {"id": ticket, "reason": "served"}
        return body

    def answered(self, body: dict[str, Any], ok: bool) -> None:
        """An accepted join makes its ticket one the next events may name."""
        if ok and body["type"] == "ticket.joined":
            self._keep(self._waiting, (body["queue_id"], body["ticket"]["id"], 10))

    def _kind(self, roll: float) -> str:
        if roll < DELAYED_SHARE:
            return "queue.delayed"
        if not self._waiting or (len(self._waiting) < MAX_OPEN_TICKETS and roll < MIX[0][1]):
            return "ticket.joined"
        if roll < MIX[0][1] + MIX[1][1]:
            return "ticket.updated"
        if roll < MIX[0][1] + MIX[1][1] + MIX[2][1]:
            return "ticket.called"
        return "ticket.closed"

    def _keep(self, pool: list[tuple[str, str, int]], ticket: tuple[str, str, int]) -> None:
        with self._lock:
            pool.append(ticket)

    def _joined(self) -> dict[str, Any]:
        n = self._count
        queue = self._queues[n % len(self._queues)]
        return joined(f"{self._run}-{n}", f"{self._run}{n}", phone(PHONES, n % 900_000), queue)

    def _delayed(self) -> dict[str, Any]:
        body = self._envelope("queue.delayed", self._random.choice(self._queues))
        body["delay_minutes"] = 10
        return body

    def _envelope(self, kind: str, queue: str) -> dict[str, Any]:
        return {
            "id": f"{self._run}-{self._count}",
            "type": kind,
            "occurred_at": datetime.now(UTC).isoformat(),
            "queue_id": queue,
        }


def main() -> None:
    """Set up the service, hold the load, print the figures."""
    parser = argparse.ArgumentParser(description="Hold mixed events at a fixed rate.")
    parser.add_argument("--rate", type=float, default=300.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to hold it")
    parser.add_argument("--senders", type=int, default=64, help="connections at most")
    parser.add_argument("--queues", type=int, default=10, help="queues the events go to")
    parser.add_argument("--web-only", action="store_true", help="no worker and no relay")
    args = parser.parse_args()
    kind = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="notifier-load-") as tmp:
        stack = Stack(Path(tmp))
        fake = FakeTwilioProcess()
        target = databases.create(kind, stack, "load")
        try:
            load, texts = _hold(stack, fake, target, args)
        finally:
            stack.stop_all()
            databases.drop(target)
            fake.close()
            stack.close()
    _report(load, texts, args.rate, kind)


def _hold(
    stack: Stack, fake: FakeTwilioProcess, target: databases.Target, args: argparse.Namespace
) -> tuple[Load, int]:
    env = stack.env(target.url, **fake.env(), SENDER_MPS="1000")
    url = stack.web("load-web", env)
    producer = Producer(url, create_key(stack, env, "bench-load"))
    queues = [f"load-{n}" for n in range(args.queues)]
    for queue in queues:
        producer.put_queue(queue)
    if not args.web_only:
        stack.start("load-worker", procfile("worker"), env)
        stack.start("load-relay", procfile("relay"), env)
    say(f"holding {args.rate:g} events/s for {args.seconds:g} s on {target.kind} ...")
    traffic = MixedTraffic(queues)
    load = loadgen.open_loop(url, producer.key, traffic, args.rate, args.seconds, args.senders)
    return load, len(fake.wait(0, 0))


def _report(load: Load, texts: int, rate: float, kind: str) -> None:
    """Print the figures, and keep them in `RESULTS` with the machine they came from."""
    held = load.errors == 0 and load.dropped == 0 and load.p99_ms < P99_LIMIT_MS
    held = held and load.rate >= 0.99 * rate
    lines = [
        f"database:      {kind}",
        f"target rate:   {rate:,.0f} events/s",
        f"achieved:      {load.rate:,.1f} events/s accepted over {load.seconds:.1f} s",
        f"errors:        {load.errors:,} answered other than 2xx, {load.dropped:,} never sent",
        *([f"first error:   {load.first_error}"] if load.first_error else []),
        f"latency:       p50 {load.p50_ms:,.0f} ms, p99 {load.p99_ms:,.0f} ms (from when due)",
        f"texts sent:    {texts:,} reached the fake Twilio during the run",
        f"verdict:       {'held' if held else 'NOT held'} (0 errors, p99 < {P99_LIMIT_MS:g} ms)",
    ]
    for line in lines:
        say(line)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = f"`make load`, {when}, on {report.machine()}:"
    RESULTS.write_text("\n".join([head, "", "```", *lines, "```", ""]))
    say(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
