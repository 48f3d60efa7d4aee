"""`make corpus`: precision and recall per language and per category, and every miss."""

from __future__ import annotations

from collections.abc import Callable

from tests.corpus.corpus import Case, load, score


def main() -> None:
    """Print the figures for the whole corpus, by language, by category, then the misses."""
    cases = load()
    _table("all", cases, lambda c: "all")
    _table("language", cases, lambda c: c.language)
    _table("category", cases, lambda c: c.category)
    misses = [c for c in cases if c.missed]
    print(f"\nmisses ({len(misses)}):")  # noqa: T201
    for case in misses:
        reply = case.reply
        read = f"{reply.verdict} by {reply.rule or '-'} {list(reply.words)}"
        print(f"  [{case.language}/{case.category}] {case.text!r}: {case.label}, read {read}")  # noqa: T201


def _table(title: str, cases: list[Case], key: Callable[[Case], str]) -> None:
    print(f"\n{title:<18} {'cases':>5} {'recall':>7} {'fp rate':>8} {'precision':>9}")  # noqa: T201
    for group in sorted({key(c) for c in cases}):
        figures = score(c for c in cases if key(c) == group)
        print(  # noqa: T201
            f"{group:<18} {figures.cases:>5} {figures.recall:>7.3f}"
            f" {figures.false_positive_rate:>8.3f} {figures.precision:>9.3f}"
        )


if __name__ == "__main__":
    main()
