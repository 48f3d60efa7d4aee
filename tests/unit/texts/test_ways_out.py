"""How texts let a customer out: the unclear opt-out's question, senders that take no replies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from notifier.senders import takes_replies
from notifier.texts import catalog as texts
from notifier.texts.segments import count_segments, fits
from tests.unit.texts.samples import NATIVE_BRANDS, OPT_OUT_LINES, all_texts, brand, first_texts

LOCALES = texts.SUPPORTED_LOCALES
# A brand of a usual length: the confirmations of an opt-out fit one segment with it.
USUAL_BRAND = "Kaubamaja Teenindus"
# As long as the API lets a queue's contact be (80 characters).
LONG_CONTACT = "kaubamaja.ee/abi or +372 600 0000 (Mon-Sat 9-21), desk 2 on the ground floor ok"
ELSEWHERE_LINES = {
    "en": f"This sender can't take replies. To opt out, contact {LONG_CONTACT}.",
    "es": f"Este remitente no recibe respuestas. Para darse de baja, contacte a {LONG_CONTACT}.",
    "zh": f"此发送方无法接收回复，如需退订请联系{LONG_CONTACT}。",
    "et": f"Sellele saatjale ei saa vastata. Loobumiseks pöörduge: {LONG_CONTACT}.",
}


def no_replies(name: str = USUAL_BRAND) -> texts.Brand:
    """A queue that texts from an alphanumeric sender id, with the longest contact allowed."""
    return replace(brand(name, contact=LONG_CONTACT), replies=False)


def test_the_unclear_confirmation_says_it_in_the_words_compliance_chose() -> None:
    text = texts.opt_out_confirmation_unclear("en", brand("Acme"))

    assert text == (
        "Acme won't text you again. Meant something else? Reply START to keep your updates."
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_the_unclear_confirmation_names_the_brand_once_and_asks_for_start(locale: str) -> None:
    text = texts.opt_out_confirmation_unclear(locale, brand(USUAL_BRAND))

    assert text.count(USUAL_BRAND) == 1
    assert "START" in text and "STOP" not in text
    assert text != texts.opt_out_confirmation(locale, brand(USUAL_BRAND))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_opt_out_and_opt_in_confirmation_is_one_segment_with_a_usual_brand(
    locale: str,
) -> None:
    for confirm in (
        texts.opt_out_confirmation,
        texts.opt_out_confirmation_unclear,
        texts.opt_in_confirmation,
    ):
        text = confirm(locale, brand(USUAL_BRAND))
        assert count_segments(text).segments == 1, (confirm.__name__, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_peak_alert_ends_with_the_opt_out_line_when_composed_for_a_queue(
    locale: str,
) -> None:
    # `first=True` is what `compose.peak_alert` passes for every warning, not only a first one.
    text = first_texts(locale, brand())["peak_alert"]

    assert text.endswith(OPT_OUT_LINES[locale])


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("native", [False, True])
def test_every_text_from_a_sender_without_replies_ends_with_the_whole_contact(
    locale: str, native: bool
) -> None:
    who = no_replies(NATIVE_BRANDS[locale] if native else USUAL_BRAND)
    for name, text in {**first_texts(locale, who), **later_texts(locale, who)}.items():
        assert fits(text), (name, count_segments(text), text)
        assert text.endswith(ELSEWHERE_LINES[locale]), (name, text)
        assert OPT_OUT_LINES[locale] not in text, name


def later_texts(locale: str, who: texts.Brand) -> dict[str, str]:
    """The texts sent to a number that has had texts before."""
    rendered = all_texts(locale, who)
    return {
        "position_update": texts.position_update(
            locale, who, ticket="A1", position=3, eta_minutes=12, come_back=None, first=False
        ),
        "called": texts.called(
            locale, who, ticket="A1", counter="desk 3", hold_minutes=5, first=False
        ),
        "status_reply": rendered["status_reply"],
    }


@pytest.mark.parametrize(
    ("sender", "answerable"),
    [
        (None, True),  # the default sender: a number or a messaging service
        ("+15005550006", True),
        ("MG" + "ab" * 16, True),
        ("Acme", False),
        ("KAUBAMAJA 1", False),
    ],
)
def test_only_alphanumeric_sender_ids_cannot_take_replies(
    sender: str | None, answerable: bool
) -> None:
    assert takes_replies(sender) is answerable
