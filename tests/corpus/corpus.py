"""The labelled corpus of replies (tests/corpus/replies/*.jsonl) and how the reader scores on it.

A reply "stops" when `classify_reply` reads it as an opt-out, clear or unclear: both stop
the texts at once. Recall counts the `opt_out` and `unclear` replies that stop; the false
positive rate counts the `not_opt_out` replies that do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from consent.keywords import Reply, ReplyKind, classify_reply

CORPUS = Path(__file__).parent / "replies"
LABELS = ("opt_out", "not_opt_out", "unclear")


@dataclass(frozen=True)
class Case:
    """One labelled reply and what the reader made of it."""

    language: str
    text: str
    label: str
    category: str
    source: str
    reply: Reply

    @property
    def should_stop(self) -> bool:
        """Labelled as a reply that stops the texts."""
        return self.label != "not_opt_out"

    @property
    def stops(self) -> bool:
        """Read as a reply that stops the texts."""
        return self.reply.kind is ReplyKind.OPT_OUT

    @property
    def missed(self) -> bool:
        """Read wrongly: a stop missed, a non-stop stopped, or clear and unclear confused."""
        if self.should_stop != self.stops:
            return True
        return self.stops and self.reply.verdict.value != self.label


@dataclass(frozen=True)
class Score:
    """Recall on replies that should stop, false positives on the rest, precision of stops."""

    cases: int
    recall: float
    false_positive_rate: float
    precision: float


def load() -> list[Case]:
    """Every line of every language file, read by `classify_reply`."""
    cases = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                reply = classify_reply(row["text"])
                fields = (row["text"], row["label"], row["category"], row["source"])
                cases.append(Case(path.stem, *fields, reply))
    return cases


def score(cases: Iterable[Case]) -> Score:
    """The figures for `cases` (1.0 where a figure has nothing to count)."""
    found = list(cases)
    should = [c for c in found if c.should_stop]
    should_not = [c for c in found if not c.should_stop]
    stopped = [c for c in found if c.stops]
    return Score(
        len(found),
        _ratio(sum(c.stops for c in should), len(should), empty=1.0),
        _ratio(sum(c.stops for c in should_not), len(should_not), empty=0.0),
        _ratio(sum(c.should_stop for c in stopped), len(stopped), empty=1.0),
    )


def _ratio(part: int, whole: int, *, empty: float) -> float:
    return part / whole if whole else empty
