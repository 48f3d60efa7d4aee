"""What the reader decides about one reply, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """Whether a reply asks us to stop texting."""

    OPT_OUT = "opt_out"  # it does
    NOT_OPT_OUT = "not_opt_out"  # it does not
    UNCLEAR = "unclear"  # it might: texts stop, and the confirmation asks what was meant


@dataclass(frozen=True)
class Finding:
    """One verdict on one clause in one language: the rule and the words that decided it."""

    verdict: Verdict
    rule: str
    words: tuple[str, ...]
    language: str | None


@dataclass(frozen=True)
class Reading:
    """The verdict on a whole reply, the rule and words that decided it, and its language."""

    verdict: Verdict
    rule: str
    words: tuple[str, ...]
    language: str | None


NOTHING = Reading(Verdict.NOT_OPT_OUT, "no_request", (), None)
