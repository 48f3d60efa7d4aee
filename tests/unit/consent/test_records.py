from datetime import timedelta

import pytest

from consent.records import (
    PURPOSES,
    SMS_OPT_OUT_METHODS,
    ConsentFact,
    PurposeState,
    current_state,
    restorable_grants,
)
from tests.unit.consent.factories import T0, fact, grant, revoke


def restorable_purposes(facts: list[ConsentFact]) -> frozenset[str]:
    """The purposes START re-grants: the keys of `restorable_grants`."""
    return frozenset(restorable_grants(facts))


def test_no_records_means_no_consent_for_every_purpose() -> None:
    assert current_state([]) == dict.fromkeys(PURPOSES, PurposeState("none", None, None))


def test_grant_sets_each_named_purpose_with_its_record_and_time() -> None:
    record = grant(1, "queue_updates")

    state = current_state([record])

    assert state["queue_updates"] == PurposeState("granted", record.recorded_at, "rec-1")
    assert state["peak_alerts"].status == "none"


def test_revocation_by_form_revokes_only_the_named_purpose() -> None:
    state = current_state([grant(1), revoke(2, "web_form", "peak_alerts")])

    assert state["peak_alerts"] == PurposeState("revoked", T0 + timedelta(minutes=2), "rec-2")
    assert state["queue_updates"] == PurposeState("granted", T0 + timedelta(minutes=1), "rec-1")


@pytest.mark.parametrize("method", sorted(SMS_OPT_OUT_METHODS))
def test_sms_opt_out_revokes_every_purpose_whatever_it_names(method: str) -> None:
    state = current_state([grant(1), revoke(2, method, "queue_updates")])

    assert {p: s.status for p, s in state.items()} == dict.fromkeys(PURPOSES, "revoked")
    assert {s.record_id for s in state.values()} == {"rec-2"}


def test_records_are_applied_in_seq_order_not_list_order() -> None:
    state = current_state([revoke(2, "sms_keyword"), grant(1)])

    assert state["queue_updates"].status == "revoked"


def test_stale_grant_captured_before_stop_does_not_undo_it() -> None:
    stop = revoke(2, "sms_keyword")
    late_kiosk_upload = grant(3, captured_at=stop.recorded_at - timedelta(minutes=5))

    state = current_state([grant(1), stop, late_kiosk_upload])

    assert state["queue_updates"] == PurposeState("revoked", stop.recorded_at, "rec-2")
    assert state["peak_alerts"].record_id == "rec-2"


def test_grant_captured_after_stop_grants_again() -> None:
    stop = revoke(2, "sms_keyword")

    state = current_state([grant(1), stop, grant(3, "queue_updates")])

    assert state["queue_updates"] == PurposeState("granted", T0 + timedelta(minutes=3), "rec-3")
    assert state["peak_alerts"].status == "revoked"


def test_stale_check_is_per_purpose() -> None:
    peak_revoked = revoke(2, "web_form", "peak_alerts")
    old_capture = peak_revoked.recorded_at - timedelta(minutes=1)

    state = current_state([peak_revoked, grant(3, captured_at=old_capture)])

    assert state["queue_updates"].status == "granted"
    assert state["peak_alerts"].status == "revoked"


def test_stale_check_uses_the_latest_revocation_not_the_first() -> None:
    facts = [revoke(1, "sms_keyword"), grant(2), revoke(3, "sms_keyword")]
    between = facts[0].recorded_at + timedelta(seconds=30)

    state = current_state([*facts, grant(4, captured_at=between)])

    assert state["queue_updates"].record_id == "rec-3"


def test_grant_without_captured_at_is_not_treated_as_stale() -> None:
    state = current_state([revoke(1, "sms_keyword"), grant(2, captured_at=None)])

    assert state["queue_updates"].status == "granted"


def test_unknown_purposes_are_ignored() -> None:
    state = current_state([fact(1, purposes={"marketing", "peak_alerts"})])

    assert set(state) == set(PURPOSES)
    assert state["peak_alerts"].status == "granted"
    assert state["queue_updates"].status == "none"


def test_nothing_is_restorable_without_an_sms_opt_out() -> None:
    assert restorable_purposes([grant(1)]) == frozenset()
    assert restorable_purposes([grant(1), revoke(2, "web_form")]) == frozenset()
    assert restorable_purposes([]) == frozenset()


def test_restorable_purposes_are_those_granted_before_the_opt_out() -> None:
    facts = [grant(1), revoke(2, "api", "peak_alerts"), revoke(3, "sms_keyword")]

    assert restorable_purposes(facts) == frozenset({"queue_updates"})


@pytest.mark.parametrize("method", ["sms_keyword", "sms_free_text", "carrier"])
def test_every_sms_opt_out_method_can_be_restored(method: str) -> None:
    assert restorable_purposes([grant(1), revoke(2, method)]) == frozenset(PURPOSES)


def test_restore_looks_at_the_latest_opt_out() -> None:
    facts = [
        grant(1),
        revoke(2, "sms_keyword"),
        grant(3, "queue_updates", method="sms_keyword"),
        revoke(4, "sms_free_text"),
    ]

    assert restorable_purposes(facts) == frozenset({"queue_updates"})


def test_stop_sent_twice_still_restores_what_was_granted_before() -> None:
    facts = [grant(1), revoke(2, "sms_keyword"), revoke(3, "sms_keyword"), revoke(4, "carrier")]

    assert restorable_purposes(facts) == frozenset(PURPOSES)


def test_explicit_revocation_between_restore_and_stop_is_respected() -> None:
    facts = [
        grant(1),
        revoke(2, "sms_keyword"),
        grant(3, method="sms_keyword"),
        revoke(4, "web_form", "peak_alerts"),
        revoke(5, "sms_keyword"),
    ]

    assert restorable_purposes(facts) == frozenset({"queue_updates"})


def test_nothing_is_restorable_after_erasure() -> None:
    assert restorable_purposes([grant(1), revoke(2, "erasure")]) == frozenset()
    assert restorable_purposes([grant(1), revoke(2, "erasure"), revoke(3, "sms_keyword")]) == (
        frozenset()
    )


def test_restorable_grants_name_the_records_to_copy_disclosure_from() -> None:
    facts = [grant(1, "queue_updates"), grant(2, "peak_alerts"), revoke(3, "sms_keyword")]

    grants = restorable_grants(facts)

    assert {p: s.record_id for p, s in grants.items()} == {
        "queue_updates": "rec-1",
        "peak_alerts": "rec-2",
    }
