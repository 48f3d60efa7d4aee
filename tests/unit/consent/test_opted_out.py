"""Whether a number's latest word was an opt-out: the rule behind "one confirmation only"."""

from __future__ import annotations

from datetime import timedelta

from consent.records import opted_out
from tests.unit.consent.factories import T0, fact


def test_a_number_with_no_records_has_not_opted_out() -> None:
    assert not opted_out([])


def test_a_keyword_opt_out_stands_until_a_grant() -> None:
    stop = fact(2, "revoke", method="sms_keyword")

    assert opted_out([fact(1), stop])
    assert opted_out([fact(1), stop, fact(3, "revoke", method="sms_free_text")])
    assert not opted_out([fact(1), stop, fact(3)])


def test_a_carrier_block_or_erasure_is_an_opt_out_too() -> None:
    assert opted_out([fact(1), fact(2, "revoke", method="carrier")])
    assert opted_out([fact(1), fact(2, "revoke", method="erasure")])


def test_a_producer_revoking_one_purpose_is_not_an_sms_opt_out() -> None:
    assert not opted_out([fact(1), fact(2, "revoke", ["peak_alerts"], method="api")])


def test_a_grant_captured_before_the_opt_out_does_not_undo_it() -> None:
    stop = fact(2, "revoke", method="sms_keyword")
    late = fact(3, captured_at=T0 + timedelta(seconds=30))  # captured before STOP was recorded

    assert opted_out([fact(1), stop, late])
