"""Consent ledger records as the policy sees them, and the state they add up to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

PURPOSES: tuple[str, ...] = ("queue_updates", "peak_alerts")

# A revocation by any of these methods suppresses every purpose, whatever it names: a STOP
# reply, a carrier opt-out or an erasure is about the number, not about one kind of text.
SMS_OPT_OUT_METHODS = frozenset({"sms_keyword", "sms_free_text", "carrier", "erasure"})

GRANTED = "granted"
REVOKED = "revoked"
NONE = "none"


@dataclass(frozen=True)
class ConsentFact:
    """One ledger record, reduced to what the consent rules need."""

    id: str
    seq: int
    purposes: frozenset[str]
    action: str
    method: str
    recorded_at: datetime
    captured_at: datetime | None
    has_disclosure: bool


@dataclass(frozen=True)
class PurposeState:
    """The consent state of one purpose, and the record that set it."""

    status: str
    since: datetime | None
    record_id: str | None


_NO_STATE = PurposeState(status=NONE, since=None, record_id=None)


def current_state(facts: Iterable[ConsentFact]) -> dict[str, PurposeState]:
    """Derive the state of every purpose in PURPOSES from the records, applied in seq order."""
    states = dict.fromkeys(PURPOSES, _NO_STATE)
    last_revoked: dict[str, datetime] = {}
    for fact in sorted(facts, key=lambda f: f.seq):
        if fact.action == "revoke":
            for purpose in _revoked_purposes(fact):
                states[purpose] = PurposeState(REVOKED, fact.recorded_at, fact.id)
                previous = last_revoked.get(purpose)
                if previous is None or fact.recorded_at > previous:
                    last_revoked[purpose] = fact.recorded_at
        elif fact.action == "grant":
            for purpose in _named_purposes(fact):
                if not _is_stale(fact, last_revoked.get(purpose)):
                    states[purpose] = PurposeState(GRANTED, fact.recorded_at, fact.id)
    return states


def restorable_grants(facts: Iterable[ConsentFact]) -> dict[str, PurposeState]:
    """The granted purposes, with their granting records, just before the latest SMS opt-out."""
    ordered = sorted(facts, key=lambda f: f.seq)
    end = len(ordered)
    while end and not _is_global_revocation(ordered[end - 1]):
        end -= 1
    if not end:
        return {}
    # A customer who texts STOP twice (or STOP and then hits a carrier block) still gets back
    # what they had before the first of them, so go back over the whole run of opt-outs.
    start = end - 1
    while start and _is_global_revocation(ordered[start - 1]):
        start -= 1
    # An erased subject asked for their data to go; a later START must not revive old consent.
    if any(f.method == "erasure" for f in ordered[start:end]):
        return {}
    before = current_state(ordered[:start])
    return {purpose: state for purpose, state in before.items() if state.status == GRANTED}


def opted_out(facts: Iterable[ConsentFact]) -> bool:
    """Whether the number's last word was an opt-out of everything (a STOP, a carrier block,
    an erasure) that no fresh grant has taken back since."""
    out_since: datetime | None = None
    for fact in sorted(facts, key=lambda f: f.seq):
        if _is_global_revocation(fact):
            out_since = fact.recorded_at
        elif fact.action == "grant" and out_since and not _is_stale(fact, out_since):
            out_since = None
    return out_since is not None


def _is_global_revocation(fact: ConsentFact) -> bool:
    return fact.action == "revoke" and fact.method in SMS_OPT_OUT_METHODS


def _revoked_purposes(fact: ConsentFact) -> tuple[str, ...]:
    if fact.method in SMS_OPT_OUT_METHODS:
        return PURPOSES
    return _named_purposes(fact)


def _named_purposes(fact: ConsentFact) -> tuple[str, ...]:
    # Unknown purpose names are ignored rather than tracked: the state has one entry per PURPOSES.
    return tuple(p for p in PURPOSES if p in fact.purposes)


def _is_stale(grant: ConsentFact, last_revoked_at: datetime | None) -> bool:
    # Consent captured before an opt-out was recorded (a kiosk queue flushed late, a replayed
    # form) is older than the customer's latest wish and must not undo it.
    if grant.captured_at is None or last_revoked_at is None:
        return False
    return grant.captured_at < last_revoked_at
