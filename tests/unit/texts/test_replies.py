"""What each text says when parts are missing, and the answers to HELP, STATUS and the rest."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from notifier.texts import catalog as texts
from tests.unit.texts.samples import (
    COME_BACK,
    CONTACT,
    OPT_OUT_LINES,
    PEAK,
    TIMES,
    brand,
    catalog,
)

LOCALES = texts.SUPPORTED_LOCALES
PEAK_TIMES = {  # 12:00 and 14:00 in Tallinn
    "en": ("12:00 PM", "2:00 PM"),
    "es": ("12:00", "14:00"),
    "zh": ("12:00", "14:00"),
    "et": ("12:00", "14:00"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_help_gives_brand_topic_frequency_rates_contact_and_opt_out(locale: str) -> None:
    templates = catalog(locale)
    text = texts.help_reply(locale, brand())
    assert brand().name in text
    for key in ("help.about", "help.frequency", "help.rates"):
        assert templates[key] in text
    assert CONTACT in text
    assert text.endswith(OPT_OUT_LINES[locale])


def test_english_help_says_the_carrier_phrases() -> None:
    text = texts.help_reply("en", brand())
    assert "Msg&data rates may apply." in text
    assert "Msg frequency varies." in text
    assert text.endswith("Reply STOP to opt out.")


@pytest.mark.parametrize("locale", LOCALES)
def test_help_without_a_contact_leaves_the_contact_line_out(locale: str) -> None:
    text = texts.help_reply(locale, brand(contact=None))
    assert catalog(locale)["help.contact"].split("{")[0] not in text
    assert text.endswith(OPT_OUT_LINES[locale])


@pytest.mark.parametrize("locale", LOCALES)
def test_status_without_a_ticket_says_so_plainly(locale: str) -> None:
    text = texts.status_reply(
        locale, brand(), ticket=None, position=None, eta_minutes=None, come_back=None
    )
    assert (
        text
        == catalog(locale)["common.brand"].format(brand=brand().name)
        + catalog(locale)["status.none"]
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_status_gives_place_wait_and_come_back_time(locale: str) -> None:
    text = texts.status_reply(
        locale, brand(), ticket="B7", position=4, eta_minutes=25, come_back=COME_BACK
    )
    assert "B7" in text and "4" in text and "25" in text and TIMES[locale] in text


@pytest.mark.parametrize("locale", LOCALES)
def test_status_without_a_position_still_names_the_ticket(locale: str) -> None:
    text = texts.status_reply(
        locale, brand(), ticket="B7", position=None, eta_minutes=None, come_back=None
    )
    assert catalog(locale)["status.waiting"].format(ticket="B7") in text


@pytest.mark.parametrize("locale", LOCALES)
def test_acknowledgment_is_calm_and_the_same_every_time(locale: str) -> None:
    first = texts.acknowledgment(locale, brand())
    assert first == texts.acknowledgment(locale, brand())
    assert catalog(locale)["ack.body"] in first
    assert "STATUS" in first


def test_english_acknowledgment_has_no_warning_about_repeats() -> None:
    text = texts.acknowledgment("en", brand()).lower()
    for word in ("again", "already", "repeat", "spam", "once"):
        assert word not in text
    assert "opening hours" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_joined_without_an_eta_leaves_wait_and_come_back_out(locale: str) -> None:
    templates = catalog(locale)
    text = texts.joined(
        locale,
        brand(),
        ticket="C3",
        position=7,
        eta_minutes=None,
        come_back=None,
        peak=None,
        quieter=None,
        first=True,
    )
    assert templates["common.wait"].split("{")[0] not in text
    assert TIMES[locale] not in text
    assert templates["joined.nearly"] in text and templates["common.status_hint"] in text
    assert "C3" in text and "7" in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("with_peak", [False, True])
def test_joined_gives_the_peak_line_only_with_a_peak(locale: str, with_peak: bool) -> None:
    text = texts.joined(
        locale,
        brand(),
        ticket="C3",
        position=7,
        eta_minutes=150,
        come_back=PEAK.start + timedelta(minutes=30),
        peak=PEAK if with_peak else None,
        quieter=None,
        first=False,
    )
    start, end = PEAK_TIMES[locale]
    # The line says when the peak is, and that it is quieter from its end.
    ends = len(re.findall(rf"(?<!\d){re.escape(end)}", text))
    assert (start in text, ends) == ((True, 2) if with_peak else (False, 0))


@pytest.mark.parametrize("locale", LOCALES)
def test_called_without_a_counter_or_hold(locale: str) -> None:
    templates = catalog(locale)
    text = texts.called(locale, brand(), ticket="D4", counter=None, hold_minutes=0, first=False)
    assert templates["called.no_counter"] in text
    assert templates["called.hold"].split("{")[0] not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_peak_alert_says_busy_hours_and_the_quieter_time(locale: str) -> None:
    quieter = PEAK.end + timedelta(hours=1)
    text = texts.peak_alert(locale, brand(), window=PEAK, quieter=quieter, note=None, first=False)
    start, end = PEAK_TIMES[locale]
    assert start in text and end in text
    assert ("3:00 PM" if locale == "en" else "15:00") in text
