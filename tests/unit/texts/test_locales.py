"""Picking the customer's language, and writing times the way that language does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.texts import catalog as texts
from notifier.texts.segments import count_segments
from tests.unit.texts.samples import TIMES, brand


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("es-MX",), "es"),
        (("es_419",), "es"),
        (("zh-CN",), "zh"),
        (("zh-Hans",), "zh"),
        (("zh_Hans_CN",), "zh"),
        (("et-EE",), "et"),
        (("EN-us",), "en"),
        ((" et ",), "et"),
        ((None, "fr-FR", "et"), "et"),
        (("", None), "en"),
        (("fr",), "en"),
        ((), "en"),
    ],
)
def test_pick_locale_takes_the_first_supported_language(
    candidates: tuple[str | None, ...], expected: str
) -> None:
    assert texts.pick_locale(*candidates) == expected


def test_texts_accept_a_full_locale_tag() -> None:
    assert texts.acknowledgment("es-MX", brand()) == texts.acknowledgment("es", brand())


@pytest.mark.parametrize("locale", texts.SUPPORTED_LOCALES)
def test_times_are_written_in_the_queue_time_zone_and_the_language_format(locale: str) -> None:
    # 12:35 UTC is 14:35 in Tallinn in November.
    come_back = datetime(2026, 11, 28, 12, 35, tzinfo=UTC)
    text = texts.status_reply(
        locale, brand(), ticket="A1", position=3, eta_minutes=20, come_back=come_back
    )
    assert TIMES[locale] in text


def test_english_times_use_a_plain_space_so_the_text_stays_gsm7() -> None:
    text = texts.status_reply(
        "en",
        brand(),
        ticket="A1",
        position=3,
        eta_minutes=20,
        come_back=datetime(2026, 11, 28, 12, 35, tzinfo=UTC),
    )
    assert "2:35 PM" in text
    assert count_segments(text).encoding == "GSM-7"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        texts.status_reply(
            "en",
            brand(),
            ticket="A1",
            position=3,
            eta_minutes=20,
            come_back=datetime(2026, 11, 28, 14, 35),
        )
