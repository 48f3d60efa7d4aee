"""The results: one row per path and database, printed as a table and written as Markdown."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measurement: the number compared, and how it reads in the table."""

    value: float
    text: str


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    path: str
    database: str
    service: str
    baseline: str
    ratio: float | None
    target: str
    passed: bool


def middle(figures: Sequence[Figure]) -> Figure:
    """The median run (the lower of the two middle ones for an even count)."""
    ordered = sorted(figures, key=lambda f: f.value)
    return ordered[(len(ordered) - 1) // 2]


def ratio_row(
    path: str,
    database: str,
    service: Sequence[Figure],
    baseline: Sequence[Figure],
    minimum: float,
    *,
    aim: bool = False,
) -> Row:
    """Runs measured in pairs (service, baseline): the median of the pairs' ratios."""
    ratios = [s.value / b.value if b.value else 0.0 for s, b in zip(service, baseline, strict=True)]
    ratio = statistics.median(ratios)
    target = f"≥ {minimum:g}" + (" (aim)" if aim else "")
    return Row(
        path, database, middle(service).text, middle(baseline).text, ratio, target, ratio >= minimum
    )


HEADERS = ("path", "database", "the service", "the baseline, same run", "ratio", "target", "")


def _cells(row: Row) -> tuple[str, ...]:
    ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
    verdict = "pass" if row.passed else "FAIL"
    return (row.path, row.database, row.service, row.baseline, ratio, row.target, verdict)


def text_table(rows: Sequence[Row]) -> str:
    """The table for a terminal, columns aligned."""
    lines = [HEADERS, *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in out)


def markdown(rows: Sequence[Row], *, command: str, seconds: float) -> str:
    """The table as Markdown, headed by the machine and the run it came from."""
    head = [
        "# Benchmark results",
        "",
        f"`{command}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {seconds / 60:.0f} minutes,"
        f" on {machine()}.",
        "Each side of each pair was measured three times, interleaved; the ratio is the median",
        "of the three ratios, the figures are the median runs.",
        "",
        "| " + " | ".join(HEADERS[:-1]) + " | verdict |",
        "|" + "---|" * len(HEADERS),
    ]
    body = ["| " + " | ".join(c.replace("|", "/") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(head + body) + "\n"


def machine() -> str:
    """The CPU model, core count, memory and Python that ran the bench."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, "
        f"{platform.system()}, Python {platform.python_version()}"
    )
