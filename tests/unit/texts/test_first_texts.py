"""The first text to a number names the brand and ends with how to opt out; opt-in/out answers."""

from __future__ import annotations

import pytest

from notifier.texts import catalog as texts
from notifier.texts.segments import fits, fold_to_gsm7
from tests.unit.texts.samples import (
    COME_BACK,
    NATIVE_BRANDS,
    OPT_OUT_LINES,
    PEAK,
    brand,
    catalog,
    first_texts,
)

LOCALES = texts.SUPPORTED_LOCALES


def names(text: str, brand_name: str) -> bool:
    return brand_name in text or fold_to_gsm7(brand_name) in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("native", [False, True])
def test_first_text_names_the_brand_and_ends_with_the_opt_out_line(
    locale: str, native: bool
) -> None:
    brand_name = NATIVE_BRANDS[locale] if native else brand().name
    for kind, text in first_texts(locale, brand(brand_name)).items():
        assert names(text, brand_name), (kind, text)
        assert text.endswith(OPT_OUT_LINES[locale]), (kind, text)
        assert text.count(OPT_OUT_LINES[locale]) == 1, kind


@pytest.mark.parametrize("locale", LOCALES)
def test_later_texts_leave_the_opt_out_line_out(locale: str) -> None:
    who = brand()
    later = [
        texts.joined(
            locale,
            who,
            ticket="A1",
            position=4,
            eta_minutes=20,
            come_back=COME_BACK,
            peak=None,
            quieter=None,
            first=False,
        ),
        texts.position_update(
            locale, who, ticket="A1", position=2, eta_minutes=10, come_back=COME_BACK, first=False
        ),
        texts.called(locale, who, ticket="A1", counter="Desk 2", hold_minutes=5, first=False),
        texts.peak_alert(locale, who, window=PEAK, quieter=PEAK.end, note=None, first=False),
    ]
    for text in later:
        assert OPT_OUT_LINES[locale] not in text
        assert who.name in text


@pytest.mark.parametrize("locale", LOCALES)
def test_opt_out_confirmation_names_the_brand_and_how_to_opt_back_in(locale: str) -> None:
    text = texts.opt_out_confirmation(locale, brand())
    assert brand().name in text
    assert "START" in text
    assert "STOP" not in text
    assert fits(text)


@pytest.mark.parametrize("locale", LOCALES)
def test_opt_in_confirmation_names_the_brand_and_ends_with_the_opt_out_line(locale: str) -> None:
    text = texts.opt_in_confirmation(locale, brand())
    assert brand().name in text
    assert catalog(locale)["opt_in.body"] in text
    assert text.endswith(OPT_OUT_LINES[locale])
