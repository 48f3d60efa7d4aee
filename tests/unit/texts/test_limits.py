"""No text is ever longer than 2 GSM-7 or 3 UCS-2 segments, whatever the values."""

from __future__ import annotations

import pytest

from notifier.texts import catalog as texts
from notifier.texts.segments import count_segments, fits, fold_to_gsm7
from tests.unit.texts import samples
from tests.unit.texts.samples import (
    ACTION,
    COME_BACK,
    COMPENSATION,
    NATIVE_BRANDS,
    OPT_OUT_LINES,
    PEAK,
    TIMES,
    all_texts,
    brand,
    catalog,
)

LOCALES = texts.SUPPORTED_LOCALES


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_fits_with_long_realistic_values(locale: str) -> None:
    for name, text in all_texts(locale, brand()).items():
        assert fits(text), (name, count_segments(text), text)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_fits_with_a_brand_in_the_language_own_script(locale: str) -> None:
    for name, text in all_texts(locale, brand(NATIVE_BRANDS[locale])).items():
        assert fits(text), (name, count_segments(text), text)


@pytest.mark.parametrize("locale", LOCALES)
def test_joined_keeps_every_line_with_long_values(locale: str) -> None:
    templates = catalog(locale)
    text = samples.first_texts(locale, brand())["joined"]
    assert samples.BRAND_NAME in text
    assert str(samples.POSITION) in text and samples.TICKET in text
    assert str(samples.ETA) in text and TIMES[locale] in text
    assert templates["joined.nearly"] in text
    assert templates["common.status_hint"] in text
    assert "12:00" in text  # the peak line
    assert text.endswith(OPT_OUT_LINES[locale])
    assert count_segments(text).encoding == ("UCS-2" if locale == "zh" else "GSM-7")


@pytest.mark.parametrize("locale", LOCALES)
def test_help_keeps_the_whole_contact_with_long_values(locale: str) -> None:
    text = texts.help_reply(locale, brand())
    assert samples.CONTACT in text
    assert samples.BRAND_NAME in text


@pytest.mark.parametrize("locale", LOCALES)
def test_called_keeps_the_whole_counter(locale: str) -> None:
    text = samples.first_texts(locale, brand())["called"]
    assert samples.COUNTER in text and "15" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_too_long_producer_text_is_shortened_not_dropped(locale: str) -> None:
    text = samples.first_texts(locale, brand())["delayed"]
    assert fits(text)
    assert TIMES[locale] in text
    assert ACTION[:40] in text and COMPENSATION[:30] in text
    assert "..." in text and "...." not in text
    assert text.endswith(OPT_OUT_LINES[locale])


@pytest.mark.parametrize("locale", LOCALES)
def test_absurd_values_still_fit_and_keep_the_opt_out_line(locale: str) -> None:
    huge = brand("Brand " * 100, contact="call us " * 200)
    text = texts.delayed(
        locale,
        huge,
        ticket="T" * 300,
        delay_minutes=15,
        come_back=COME_BACK,
        action="move " * 500,
        compensation="\N{GRINNING FACE}" * 300,
        apologize=True,
        first=True,
    )
    assert fits(text)
    assert "Brand" in text[:6]
    assert text.endswith(OPT_OUT_LINES[locale])
    for name, text in all_texts(locale, huge).items():
        assert fits(text), name
    assert fits(
        texts.peak_alert(locale, huge, window=PEAK, quieter=PEAK.end, note="x" * 5000, first=True)
    )


def test_producer_text_goes_on_one_line() -> None:
    text = texts.delayed(
        "en",
        brand(),
        ticket="A1",
        delay_minutes=15,
        come_back=None,
        action="We opened\n\na second   counter.",
        compensation=None,
        apologize=False,
        first=False,
    )
    assert "We opened a second counter." in text
    assert "\n" not in text


@pytest.mark.parametrize("locale", ["es", "et"])
def test_accents_are_kept_when_the_text_fits_with_them(locale: str) -> None:
    name = NATIVE_BRANDS[locale]
    assert name in texts.acknowledgment(locale, brand(name))


@pytest.mark.parametrize("locale", ["es", "et"])
def test_accents_give_way_before_any_line_is_dropped(locale: str) -> None:
    name = NATIVE_BRANDS[locale]
    text = samples.first_texts(locale, brand(name))["joined"]
    assert fold_to_gsm7(name) in text
    assert catalog(locale)["common.status_hint"] in text
    assert count_segments(text).encoding == "GSM-7"
