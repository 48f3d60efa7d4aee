"""Every delay notice, in every language, is written the way a good apology is (MESSAGES.md)."""

from __future__ import annotations

import itertools

import pytest

from notifier.texts import catalog as texts
from notifier.texts.segments import fits, fold_to_gsm7
from tests.unit.texts.samples import (
    ACTION,
    COME_BACK,
    COMPENSATION,
    NATIVE_BRANDS,
    OPT_OUT_LINES,
    TIMES,
    brand,
)

# What a producer in each language would send: long enough to be real, short enough to fit.
REALISTIC = {
    "en": ("We opened a second counter", "your next visit skips the line"),
    "es": ("Abrimos una segunda ventanilla", "en su próxima visita no hará fila"),
    "zh": ("我们已加开第二个服务窗口", "您下次来访可免排队"),
    "et": ("Avasime teise teenindusleti", "järgmisel korral ei pea Te järjekorras ootama"),
}
# How each language owns the delay: "we" are running behind, nobody else.
OWN_IT = {
    "en": "we're running",
    "es": "vamos con",
    "zh": "我们目前的进度",
    "et": "oleme graafikust",
}

CASES = list(
    itertools.product(
        texts.SUPPORTED_LOCALES,
        [True, False],  # apologize
        [True, False],  # first
        [True, False],  # with action
        [True, False],  # with compensation
        [True, False],  # with a come-back time
    )
)


def shows(value: str, text: str) -> bool:
    """Whether `text` carries `value`, maybe spelled without accents to stay in GSM-7."""
    return value in text or fold_to_gsm7(value) in text


def apologies(locale: str, text: str) -> int:
    folded = text.casefold()
    return sum(folded.count(word) for word in texts.APOLOGY_WORDS[locale])


def render(
    locale: str,
    *,
    apologize: bool,
    first: bool,
    action: str | None,
    compensation: str | None,
    come_back: bool,
    who: texts.Brand | None = None,
) -> str:
    return texts.delayed(
        locale,
        who or brand(),
        ticket="A123",
        delay_minutes=25,
        come_back=COME_BACK if come_back else None,
        action=action,
        compensation=compensation,
        apologize=apologize,
        first=first,
    )


@pytest.mark.parametrize(
    ("locale", "apologize", "first", "with_action", "with_compensation", "with_time"), CASES
)
def test_delay_notice_follows_the_apology_rules(
    locale: str,
    apologize: bool,
    first: bool,
    with_action: bool,
    with_compensation: bool,
    with_time: bool,
) -> None:
    action, compensation = REALISTIC[locale]
    text = render(
        locale,
        apologize=apologize,
        first=first,
        action=action if with_action else None,
        compensation=compensation if with_compensation else None,
        come_back=with_time,
    )
    folded = text.casefold()
    assert fits(text)
    assert apologies(locale, text) == (1 if apologize else 0), text
    assert not [p for p in texts.DELAY_FORBIDDEN_PHRASES[locale] if p in folded], text
    assert not [p for p in texts.BLAME_PHRASES[locale] if p in folded], text
    assert OWN_IT[locale] in folded
    assert "25" in text
    assert shows(action, text) == with_action
    assert shows(compensation, text) == with_compensation
    assert (TIMES[locale] in text) == with_time
    assert text.endswith(OPT_OUT_LINES[locale]) == first


@pytest.mark.parametrize("locale", texts.SUPPORTED_LOCALES)
@pytest.mark.parametrize("apologize", [True, False])
def test_delay_rules_hold_with_long_values_and_native_brands(locale: str, apologize: bool) -> None:
    for who in (brand(), brand(NATIVE_BRANDS[locale])):
        text = render(
            locale,
            apologize=apologize,
            first=True,
            action=ACTION,
            compensation=COMPENSATION,
            come_back=True,
            who=who,
        )
        folded = text.casefold()
        assert fits(text)
        assert apologies(locale, text) == (1 if apologize else 0)
        assert not [p for p in texts.DELAY_FORBIDDEN_PHRASES[locale] if p in folded]
        assert not [p for p in texts.BLAME_PHRASES[locale] if p in folded]
        assert TIMES[locale] in text
        assert ACTION[:24] in text and COMPENSATION[:24] in text


def test_the_rule_words_would_catch_a_bad_delay_notice() -> None:
    bad = "To be honest, due to circumstances beyond our control, sorry. Sorry again."
    folded = bad.casefold()
    assert apologies("en", bad) == 2
    assert any(p in folded for p in texts.DELAY_FORBIDDEN_PHRASES["en"])
    assert any(p in folded for p in texts.BLAME_PHRASES["en"])
