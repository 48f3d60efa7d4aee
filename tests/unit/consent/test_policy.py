from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from consent.policy import PEAK_ALERT_DAILY_CAP, Decision, decide
from consent.records import ConsentFact
from tests.unit.consent.factories import grant, revoke

NEW_YORK = ZoneInfo("America/New_York")
FLORIDA = "+13055550142"
NEW_YORK_CITY = "+12125550142"
ESTONIA = "+37256000000"

NOON_FL = datetime(2026, 11, 25, 12, tzinfo=NEW_YORK).astimezone(UTC)
EVENING_FL = datetime(2026, 11, 25, 20, 30, tzinfo=NEW_YORK).astimezone(UTC)
LATE_NIGHT_FL = datetime(2026, 11, 25, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
NOON_EE = datetime(2026, 11, 25, 10, tzinfo=UTC)


def decide_for(
    purpose: str,
    facts: list[ConsentFact],
    phone: str = FLORIDA,
    now: datetime = NOON_FL,
    unreachable: bool = False,
    peak_alerts_last_24h: int = 0,
) -> Decision:
    return decide(
        purpose=purpose,
        phone=phone,
        facts=facts,
        now=now,
        unreachable=unreachable,
        peak_alerts_last_24h=peak_alerts_last_24h,
    )


def blocked(reason: str, rule: str, record_id: str | None) -> Decision:
    return Decision("blocked", reason, rule, record_id, None)


def queued(record_id: str) -> Decision:
    return Decision("queued", None, "consent.granted", record_id, None)


@pytest.mark.parametrize("purpose", ["queue_updates", "peak_alerts"])
def test_granted_purpose_is_queued_with_the_grant_it_relied_on(purpose: str) -> None:
    assert decide_for(purpose, [grant(1)]) == queued("rec-1")


def test_unreachable_number_is_blocked_before_anything_else() -> None:
    assert decide_for("queue_updates", [grant(1)], unreachable=True) == blocked(
        "unreachable", "unreachable", None
    )


@pytest.mark.parametrize("purpose", ["queue_updates", "peak_alerts"])
def test_no_record_means_no_text(purpose: str) -> None:
    assert decide_for(purpose, []) == blocked("no_consent", "consent.none", None)


def test_consent_for_another_purpose_is_no_consent() -> None:
    decision = decide_for("peak_alerts", [grant(1, "queue_updates")])

    assert decision == blocked("no_consent", "consent.none", None)


@pytest.mark.parametrize("purpose", ["queue_updates", "peak_alerts"])
def test_stop_reply_blocks_later_texts(purpose: str) -> None:
    facts = [grant(1), revoke(2, "sms_keyword", "queue_updates")]

    assert decide_for(purpose, facts) == blocked("opted_out", "consent.revoked", "rec-2")


def test_stale_grant_after_stop_still_blocks() -> None:
    stop = revoke(2, "sms_keyword")
    stale = grant(3, captured_at=stop.recorded_at - timedelta(minutes=1))

    decision = decide_for("queue_updates", [grant(1), stop, stale])

    assert decision == blocked("opted_out", "consent.revoked", "rec-2")


def test_decision_relies_on_the_latest_grant() -> None:
    assert decide_for("queue_updates", [grant(1), grant(2)]).record_id == "rec-2"


def test_eu_number_needs_disclosure_on_the_grant() -> None:
    facts = [grant(1, "queue_updates", has_disclosure=False)]

    decision = decide_for("queue_updates", facts, phone=ESTONIA, now=NOON_EE)

    assert decision == blocked("undocumented_consent", "gdpr.art7_documentation", "rec-1")


def test_eu_number_needs_captured_at_on_the_grant() -> None:
    facts = [grant(1, "queue_updates", captured_at=None)]

    decision = decide_for("queue_updates", facts, phone=ESTONIA, now=NOON_EE)

    assert decision.reason == "undocumented_consent"


def test_eu_number_with_documented_grant_is_queued() -> None:
    assert decide_for("queue_updates", [grant(1)], phone=ESTONIA, now=NOON_EE) == queued("rec-1")


def test_us_queue_updates_need_no_disclosure_text() -> None:
    facts = [grant(1, "queue_updates", has_disclosure=False, captured_at=None)]

    assert decide_for("queue_updates", facts) == queued("rec-1")


@pytest.mark.parametrize(
    "undocumented",
    [grant(1, has_disclosure=False), grant(1, captured_at=None)],
    ids=["no-disclosure", "no-captured-at"],
)
def test_peak_alerts_need_written_consent_everywhere(undocumented: ConsentFact) -> None:
    decision = decide_for("peak_alerts", [undocumented], phone=NEW_YORK_CITY)

    assert decision == blocked("undocumented_consent", "tcpa.written_consent", "rec-1")


@pytest.mark.parametrize("now", [EVENING_FL, LATE_NIGHT_FL])
def test_queue_updates_go_at_once_even_in_quiet_hours(now: datetime) -> None:
    assert decide_for("queue_updates", [grant(1)], now=now) == queued("rec-1")


def test_peak_alert_in_quiet_hours_is_scheduled_for_the_next_allowed_moment() -> None:
    decision = decide_for("peak_alerts", [grant(1)], now=EVENING_FL)

    # 08:00 in the panhandle (Central time) is the first moment every part of Florida allows.
    next_morning = datetime(2026, 11, 26, 8, tzinfo=ZoneInfo("America/Chicago"))
    assert decision == Decision(
        "scheduled", "quiet_hours", "quiet_hours.US-FL", "rec-1", next_morning
    )
    assert decision.send_at is not None and decision.send_at.tzinfo is UTC


def test_peak_alert_outside_a_strict_states_window_uses_the_default_rule_elsewhere() -> None:
    at_2030 = datetime(2026, 11, 25, 20, 30, tzinfo=NEW_YORK)

    assert decide_for("peak_alerts", [grant(1)], phone=NEW_YORK_CITY, now=at_2030) == queued(
        "rec-1"
    )


@pytest.mark.parametrize(
    ("phone", "where"),
    [(FLORIDA, "US-FL"), ("+14055550142", "US-OK"), ("+14105550142", "US-MD")],
)
def test_capped_states_block_the_fourth_peak_alert_in_24_hours(phone: str, where: str) -> None:
    under = decide_for("peak_alerts", [grant(1)], phone=phone, peak_alerts_last_24h=2)
    at_cap = decide_for(
        "peak_alerts", [grant(1)], phone=phone, peak_alerts_last_24h=PEAK_ALERT_DAILY_CAP
    )

    assert under == queued("rec-1")
    assert at_cap == blocked("daily_cap", f"cap.peak_alerts.{where}", "rec-1")


def test_uncapped_states_have_no_daily_cap() -> None:
    decision = decide_for("peak_alerts", [grant(1)], phone=NEW_YORK_CITY, peak_alerts_last_24h=9)

    assert decision == queued("rec-1")


def test_daily_cap_blocks_rather_than_schedules_in_quiet_hours() -> None:
    decision = decide_for("peak_alerts", [grant(1)], now=EVENING_FL, peak_alerts_last_24h=3)

    assert decision.outcome == "blocked" and decision.reason == "daily_cap"


def test_queue_updates_are_not_capped() -> None:
    assert decide_for("queue_updates", [grant(1)], peak_alerts_last_24h=10) == queued("rec-1")


def test_unknown_purpose_is_refused() -> None:
    with pytest.raises(ValueError, match="marketing"):
        decide_for("marketing", [grant(1)])


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        decide_for("queue_updates", [grant(1)], now=datetime(2026, 11, 25, 12))
