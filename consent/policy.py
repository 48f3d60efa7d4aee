"""The send policy: may this text go to this number now, later, or not at all?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from consent import quiet_hours
from consent.jurisdiction import jurisdiction, needs_documented_consent
from consent.records import GRANTED, NONE, PURPOSES, REVOKED, ConsentFact, current_state

PEAK_ALERT_CAP_STATES = frozenset({"FL", "OK", "MD"})
PEAK_ALERT_DAILY_CAP = 3


class Outcome(StrEnum):
    """What the policy decided for one text."""

    QUEUED = "queued"  # goes now
    SCHEDULED = "scheduled"  # goes at `send_at` (quiet hours, a peak warning's lead time)
    BLOCKED = "blocked"  # may not go (no consent, opted out, unreachable...)
    SKIPPED = "skipped"  # nothing worth sending (an event came too late, a change too small)

    @property
    def goes(self) -> bool:
        """Whether a text with this outcome is to be sent."""
        return self in (Outcome.QUEUED, Outcome.SCHEDULED)


@dataclass(frozen=True)
class Decision:
    """What happens to one text, the rule that decided it and the consent record relied on."""

    outcome: Outcome
    reason: str | None
    rule: str
    record_id: str | None
    send_at: datetime | None


def decide(
    *,
    purpose: str,
    phone: str,
    facts: Sequence[ConsentFact],
    now: datetime,
    unreachable: bool = False,
    peak_alerts_last_24h: int = 0,
) -> Decision:
    """Decide whether a text for `purpose` may go to `phone` at `now`, given its consent records."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("decide needs an aware `now`")
    if unreachable:
        return _blocked("unreachable", "unreachable", None)
    state = current_state(facts)[purpose]
    if state.status == REVOKED:
        return _blocked("opted_out", "consent.revoked", state.record_id)
    if state.status == NONE:
        return _blocked("no_consent", "consent.none", None)
    assert state.status == GRANTED and state.record_id is not None  # a grant names its record
    documentation = _documentation_rule(purpose, phone)
    if documentation and not _is_documented(facts, state.record_id):
        return _blocked("undocumented_consent", documentation, state.record_id)
    if purpose == "queue_updates":
        # The customer is standing in line and asked for these: quiet hours do not hold them.
        return _queued(state.record_id)
    return _decide_peak_alert(phone, now, state.record_id, peak_alerts_last_24h)


def _decide_peak_alert(phone: str, now: datetime, record_id: str, sent_last_24h: int) -> Decision:
    where = jurisdiction(phone)
    us_state = where.removeprefix("US-") if where.startswith("US-") else None
    if us_state in PEAK_ALERT_CAP_STATES and sent_last_24h >= PEAK_ALERT_DAILY_CAP:
        return _blocked("daily_cap", f"cap.peak_alerts.{where}", record_id)
    if not quiet_hours.is_allowed(phone, now):
        send_at = quiet_hours.next_allowed(phone, now)
        return Decision(
            Outcome.SCHEDULED, "quiet_hours", quiet_hours.rule_name(phone), record_id, send_at
        )
    return _queued(record_id)


def _documentation_rule(purpose: str, phone: str) -> str | None:
    # GDPR Art. 7(1) for EU/EEA/UK numbers; prior express written consent for peak alerts.
    if needs_documented_consent(phone):
        return "gdpr.art7_documentation"
    if purpose == "peak_alerts":
        return "tcpa.written_consent"
    return None


def _is_documented(facts: Sequence[ConsentFact], record_id: str) -> bool:
    grant = next(f for f in facts if f.id == record_id)
    return grant.has_disclosure and grant.captured_at is not None


def _blocked(reason: str, rule: str, record_id: str | None) -> Decision:
    return Decision(Outcome.BLOCKED, reason, rule, record_id, None)


def _queued(record_id: str) -> Decision:
    return Decision(Outcome.QUEUED, None, "consent.granted", record_id, None)
