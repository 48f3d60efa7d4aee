"""The four catalogs stay in step: same keys, same placeholders, short alphabets where possible."""

from __future__ import annotations

import tomllib
from pathlib import Path
from string import Formatter
from typing import Any

import pytest

from notifier.texts import catalog as texts
from notifier.texts.segments import count_segments

CATALOGS = Path(texts.__file__).parent / "catalogs"


def load(locale: str) -> dict[str, Any]:
    with (CATALOGS / f"{locale}.toml").open("rb") as source:
        return tomllib.load(source)


def templates(locale: str) -> dict[str, str]:
    return {
        f"{section}.{key}": text
        for section, entries in load(locale).items()
        if section != "rules"
        for key, text in entries.items()
    }


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field is not None}


def test_there_is_a_catalog_for_every_supported_locale_and_no_other() -> None:
    assert sorted(p.stem for p in CATALOGS.glob("*.toml")) == sorted(texts.SUPPORTED_LOCALES)


@pytest.mark.parametrize("locale", ["es", "zh", "et"])
def test_catalog_has_the_same_keys_as_english(locale: str) -> None:
    assert set(templates(locale)) == set(templates("en"))
    assert set(load(locale)["rules"]) == set(load("en")["rules"])


@pytest.mark.parametrize("locale", ["es", "zh", "et"])
def test_catalog_has_the_same_placeholders_as_english(locale: str) -> None:
    english = templates("en")
    for key, template in templates(locale).items():
        assert placeholders(template) == placeholders(english[key]), key


@pytest.mark.parametrize("locale", texts.SUPPORTED_LOCALES)
def test_every_template_is_a_string_that_formats(locale: str) -> None:
    for key, template in templates(locale).items():
        assert isinstance(template, str), key
        template.format_map({name: "x" for name in placeholders(template)})


@pytest.mark.parametrize("locale", ["en", "es", "et"])
def test_latin_catalogs_stay_inside_gsm7(locale: str) -> None:
    for key, template in templates(locale).items():
        literal = "".join(text for text, _, _, _ in Formatter().parse(template))
        assert count_segments(literal).encoding == "GSM-7", (key, template)


@pytest.mark.parametrize("locale", texts.SUPPORTED_LOCALES)
def test_no_links_in_the_catalogs(locale: str) -> None:
    for key, template in templates(locale).items():
        assert "http" not in template.lower() and "www." not in template.lower(), key


@pytest.mark.parametrize("locale", texts.SUPPORTED_LOCALES)
def test_rule_words_are_lower_case_and_present(locale: str) -> None:
    for table in (texts.APOLOGY_WORDS, texts.DELAY_FORBIDDEN_PHRASES, texts.BLAME_PHRASES):
        assert table[locale]
        assert all(word == word.casefold() for word in table[locale])


def test_rule_words_cover_the_phrases_messages_md_names() -> None:
    forbidden = texts.DELAY_FORBIDDEN_PHRASES["en"]
    for phrase in (
        "to be honest",
        "as far as i know",
        "i hear you, but",
        "i want you to know",
        "we apologize for any inconvenience",
    ):
        assert phrase in forbidden
    assert {"sorry", "apologize", "apologise"} <= set(texts.APOLOGY_WORDS["en"])
    assert {"perdón", "disculp", "lo sentimos"} <= set(texts.APOLOGY_WORDS["es"])
    assert {"抱歉", "对不起", "道歉"} <= set(texts.APOLOGY_WORDS["zh"])
    assert {"vabandust", "vabandame"} <= set(texts.APOLOGY_WORDS["et"])
    assert "our supplier" in texts.BLAME_PHRASES["en"]
