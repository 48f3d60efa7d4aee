"""What one bench run measures, and how big: `BENCH` picks paths, `BENCH_QUICK=1` shrinks them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from bench.databases import Target
from bench.stack import Stack
from notifier.sending.courier import CONCURRENCY

PATHS = ("ingest", "fanout", "send", "pacing")


@dataclass(frozen=True)
class Sizes:
    """The sizes of every measurement; quick mode checks the harness, not the targets."""

    reps: int = 3
    ingest_seconds: int = 10
    warmup_seconds: int = 1
    connections: int = 16
    fanouts: tuple[int, ...] = (10_000, 100_000)
    peak_alerts: tuple[int, ...] = (10_000, 100_000)
    fanout_deadline: float = 420.0
    texts: int = 1_000
    pacing: tuple[tuple[float, int], ...] = ((1, 30), (5, 100), (30, 300))
    pacing_workers: tuple[int, ...] = (1, 4)


QUICK = Sizes(
    reps=1,
    ingest_seconds=2,
    fanouts=(1_000, 3_000),
    peak_alerts=(1_000, 3_000),
    fanout_deadline=120.0,
    texts=100,
    pacing=((1, 4), (5, 10), (30, 60)),
)


@dataclass(frozen=True)
class Context:
    """Where one database's measurements run."""

    stack: Stack
    target: Target
    sizes: Sizes


def chosen_paths() -> list[str]:
    """The paths `BENCH` names (comma-separated), or all of them."""
    raw = os.environ.get("BENCH", "").strip()
    if not raw:
        return list(PATHS)
    chosen = [p.strip() for p in raw.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PATHS]
    if unknown:
        raise SystemExit(f"BENCH names unknown paths {unknown}; choose from {', '.join(PATHS)}")
    return chosen


def sizes() -> Sizes:
    """Full sizes, or the quick ones when `BENCH_QUICK` is set."""
    return QUICK if os.environ.get("BENCH_QUICK", "") not in ("", "0") else Sizes()


def send_concurrency() -> int:
    """How many texts the bare client loop keeps in flight: as many as the service's worker
    (`notifier.sending.courier.CONCURRENCY`), or `BENCH_SEND_CONCURRENCY` to try another."""
    return int(os.environ.get("BENCH_SEND_CONCURRENCY", CONCURRENCY))
