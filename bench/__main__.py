"""`make bench`: every speed target as a ratio against a bare baseline measured in the same run.

    make bench                          # every path, on SQLite, and on PostgreSQL too when
                                        # DATABASE_URL is set (a scratch database beside it)
    make bench BENCH=ingest,send        # some paths: ingest, fanout, send, pacing
    make bench BENCH_QUICK=1            # small sizes, one run each: checks the harness only
    make bench BENCH_DB=postgresql      # one database only (sqlite or postgresql)

The bench starts its own Redis in a temporary directory and runs the service's processes with
the Procfile's commands. Each side of each pair is measured three times, interleaved; the
ratio reported is the median of the three ratios. The table is printed at the end and, unless
in quick mode, written to bench/results.md.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from pathlib import Path

from bench import databases, fanout, ingest, pacing, sending
from bench.fake_twilio import FakeTwilioProcess
from bench.plan import Context, chosen_paths, sizes
from bench.report import Row, markdown, text_table
from bench.stack import ROOT, Stack, say

RESULTS = ROOT / "bench" / "results.md"
SETTINGS = ("BENCH", "BENCH_DB", "BENCH_SEND_CONCURRENCY")


def main() -> int:
    """Measure the chosen paths on every database; print and keep the table."""
    paths, plan = chosen_paths(), sizes()
    quick = plan.reps == 1
    started = time.perf_counter()
    rows: list[Row] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="notifier-bench-") as tmp:
        stack = Stack(Path(tmp))
        fake = FakeTwilioProcess() if {"send", "pacing"} & set(paths) else None
        try:
            for kind in databases.targets():
                target = databases.create(kind, stack, "service")
                try:
                    ctx = Context(stack, target, plan)
                    for path in paths:
                        say(f"== {path} on {kind}")
                        try:
                            rows += _measure(path, ctx, fake)
                        except Exception:  # one broken path must not lose the others' figures
                            failed = True
                            say(traceback.format_exc())
                            say(stack.log_tails())
                finally:
                    stack.stop_all()
                    databases.drop(target)
        finally:
            if fake is not None:
                fake.close()
            stack.close()
    seconds = time.perf_counter() - started
    say()
    say(text_table(rows))
    if not quick:
        RESULTS.write_text(markdown(rows, command=_command(), seconds=seconds))
        say(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 1 if failed else 0


def _command() -> str:
    """How this run was asked for, as `make bench` with its settings."""
    settings = [f"{name}={os.environ[name]}" for name in SETTINGS if os.environ.get(name)]
    if os.environ.get("DATABASE_URL"):
        settings.append("DATABASE_URL=postgresql://…")
    return " ".join(["make bench", *settings])


def _measure(path: str, ctx: Context, fake: FakeTwilioProcess | None) -> list[Row]:
    if path == "ingest":
        return ingest.measure(ctx)
    if path == "fanout":
        return fanout.measure(ctx)
    assert fake is not None
    if path == "send":
        return sending.measure(ctx, fake)
    return pacing.measure(ctx, fake)


if __name__ == "__main__":
    raise SystemExit(main())
