"""What each text says: composed from the catalogs, in the customer's language, within limits."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time

from notifier.texts import endings
from notifier.texts.fitting import Line, map_free, render, shorten
from notifier.texts.segments import fits, fold_to_gsm7
from notifier.texts.waits import PeakWindow, quieter_time

SUPPORTED_LOCALES = ("en", "es", "zh", "et")
# Plain "es" formats 24-hour times ("14:35"); "es_419" would give "2:35 p.m.".
_BABEL_LOCALES = MappingProxyType({"en": "en", "es": "es", "zh": "zh_Hans_CN", "et": "et"})


@cache
def _load(locale: str) -> dict[str, Any]:
    """The parsed catalog file of `locale`, read once."""
    source = resources.files("notifier.texts").joinpath("catalogs").joinpath(f"{locale}.toml")
    return tomllib.loads(source.read_text(encoding="utf-8"))


@cache
def _catalog(locale: str) -> Mapping[str, str]:
    """The texts of `locale` as flat "section.key" templates."""
    return MappingProxyType(
        {
            f"{section}.{key}": text
            for section, entries in _load(locale).items()
            if section != "rules"
            for key, text in entries.items()
        }
    )


def _rule_words(kind: str) -> Mapping[str, tuple[str, ...]]:
    """One list of the catalogs' `[rules]`, per locale."""
    return MappingProxyType(
        {locale: tuple(_load(locale)["rules"][kind]) for locale in SUPPORTED_LOCALES}
    )


# The words live in the catalogs so that a new language brings its own; lower case.
DELAY_FORBIDDEN_PHRASES: Mapping[str, tuple[str, ...]] = _rule_words("forbidden")
APOLOGY_WORDS: Mapping[str, tuple[str, ...]] = _rule_words("apology")
BLAME_PHRASES: Mapping[str, tuple[str, ...]] = _rule_words("blame")


@dataclass(frozen=True)
class Brand:
    """Who the texts come from: the queue's brand (else its name), contact and time zone."""

    name: str
    contact: str | None
    tz: ZoneInfo
    replies: bool = True  # False: customers cannot answer the sender (an alphanumeric id)


def pick_locale(*candidates: str | None) -> str:
    """The first supported language among `candidates` ("es-MX" -> "es"), else "en"."""
    for candidate in candidates:
        if candidate:
            primary = candidate.strip().replace("_", "-").split("-")[0].lower()
            if primary in SUPPORTED_LOCALES:
                return primary
    return "en"


def joined(
    locale: str,
    brand: Brand,
    *,
    ticket: str,
    position: int,
    eta_minutes: int | None,
    come_back: datetime | None,
    peak: PeakWindow | None,
    quieter: datetime | None,
    first: bool,
) -> str:
    """The acknowledgment on joining: place, wait, come-back time, STATUS, peak heads-up."""
    loc = pick_locale(locale)
    values: dict[str, Any] = {"ticket": ticket, "position": position}
    lines = [Line("joined.thanks"), *_wait(loc, brand, eta_minutes, come_back, values)]
    lines += [Line("joined.nearly", drop=2), Line("common.status_hint", drop=3)]
    if peak is not None:
        values.update(_peak_values(loc, brand, peak, quieter or quieter_time(peak)))
        lines.append(Line("common.peak", drop=1))
    return _compose(loc, brand, lines, values, first=first)


def position_update(
    locale: str,
    brand: Brand,
    *,
    ticket: str,
    position: int,
    eta_minutes: int | None,
    come_back: datetime | None,
    first: bool,
) -> str:
    """A significant change in place or wait."""
    loc = pick_locale(locale)
    values: dict[str, Any] = {"ticket": ticket, "position": position}
    lines = [Line("position_update.place"), *_wait(loc, brand, eta_minutes, come_back, values)]
    return _compose(loc, brand, lines, values, first=first)


def called(
    locale: str, brand: Brand, *, ticket: str, counter: str | None, hold_minutes: int, first: bool
) -> str:
    """It's your turn: where to go and how long the place is held."""
    loc = pick_locale(locale)
    values: dict[str, Any] = {"ticket": ticket, "counter": _clean(counter), "hold": hold_minutes}
    lines = [
        Line("called.turn"),
        Line("called.counter" if values["counter"] else "called.no_counter"),
    ]
    if hold_minutes > 0:
        lines.append(Line("called.hold"))
    return _compose(loc, brand, lines, values, first=first)


def delayed(
    locale: str,
    brand: Brand,
    *,
    ticket: str,
    delay_minutes: int,
    come_back: datetime | None,
    action: str | None,
    compensation: str | None,
    apologize: bool,
    first: bool,
) -> str:
    """A delay notice that owns the delay, apologizes at most once and says what is being done."""
    loc = pick_locale(locale)
    values: dict[str, Any] = {
        "ticket": ticket,
        "delay": delay_minutes,
        "action": _clean(action),
        "compensation": _clean(compensation),
    }
    lines = [Line("delayed.behind_sorry" if apologize else "delayed.behind")]
    if values["action"]:
        lines.append(Line("delayed.action"))
    if come_back is not None:
        values["come_back"] = _time(loc, brand, come_back)
        lines.append(Line("delayed.new_time"))
    if values["compensation"]:
        lines.append(Line("delayed.compensation"))
    return _compose(loc, brand, lines, values, first=first)


def peak_alert(
    locale: str,
    brand: Brand,
    *,
    window: PeakWindow,
    quieter: datetime,
    note: str | None,
    first: bool,
) -> str:
    """A warning ahead of a busy time: which hours are busy and when it is quieter."""
    loc = pick_locale(locale)
    values: dict[str, Any] = {**_peak_values(loc, brand, window, quieter), "note": _clean(note)}
    lines = [Line("peak_alert.busy"), Line("peak_alert.quieter")]
    if values["note"]:
        lines.append(Line("peak_alert.note"))
    return _compose(loc, brand, lines, values, first=first)


def opt_out_confirmation(locale: str, brand: Brand) -> str:
    """The one confirmation of an opt-out: brand, no more texts, how to opt back in."""
    return _compose(pick_locale(locale), brand, [Line("opt_out.body")], {}, first=False)


def opt_out_confirmation_unclear(locale: str, brand: Brand) -> str:
    """The one confirmation of a reply that might mean stop: no more texts, unless START."""
    line = Line("opt_out_confirmation_unclear.body")  # it names the brand itself
    return _compose(pick_locale(locale), brand, [line], {}, first=False)


def opt_in_confirmation(locale: str, brand: Brand) -> str:
    """The confirmation of an opt-in: brand, confirmed, how to opt out."""
    return _compose(pick_locale(locale), brand, [Line("opt_in.body")], {}, first=True)


def help_reply(locale: str, brand: Brand) -> str:
    """The HELP answer: brand, topic, frequency, rates, contact, how to opt out."""
    lines = [Line("help.about"), Line("help.frequency"), Line("help.rates")]
    contact = _clean(brand.contact)
    if contact:
        lines.append(Line("help.contact"))
    return _compose(pick_locale(locale), brand, lines, {"contact": contact}, first=True)


def status_reply(
    locale: str,
    brand: Brand,
    *,
    ticket: str | None,
    position: int | None,
    eta_minutes: int | None,
    come_back: datetime | None,
) -> str:
    """The STATUS answer: the waiting ticket's place, wait and come-back time, or that none."""
    loc = pick_locale(locale)
    if ticket is None:
        return _compose(loc, brand, [Line("status.none")], {}, first=False)
    values: dict[str, Any] = {"ticket": ticket, "position": position}
    lines = [Line("status.waiting" if position is None else "status.place")]
    lines += _wait(loc, brand, eta_minutes, come_back, values)
    return _compose(loc, brand, lines, values, first=False)


def acknowledgment(locale: str, brand: Brand) -> str:
    """The calm answer to any other reply: it reached us and staff will answer."""
    lines = [Line("ack.body"), Line("common.status_hint", drop=1)]
    return _compose(pick_locale(locale), brand, lines, {}, first=False)


def _wait(
    locale: str,
    brand: Brand,
    eta_minutes: int | None,
    come_back: datetime | None,
    values: dict[str, Any],
) -> list[Line]:
    """The estimated-wait and come-back lines, each only when its number is known."""
    lines = []
    if eta_minutes is not None:
        values["eta"] = eta_minutes
        lines.append(Line("common.wait"))
    if come_back is not None:
        values["come_back"] = _time(locale, brand, come_back)
        lines.append(Line("common.come_back"))
    return lines


def _peak_values(
    locale: str, brand: Brand, window: PeakWindow, quieter: datetime
) -> dict[str, str]:
    """The placeholders of a peak window and its quieter time."""
    return {
        "start": _time(locale, brand, window.start),
        "end": _time(locale, brand, window.end),
        "quieter": _time(locale, brand, quieter),
    }


def _time(locale: str, brand: Brand, moment: datetime) -> str:
    """`moment` on the queue's clock, in the language's short time format."""
    if moment.tzinfo is None:
        raise ValueError("times in texts must be timezone-aware")
    # In UTC: one instant, one key (two wall times an hour apart compare equal in their zone).
    return _clock_time(locale, brand.tz, moment.astimezone(UTC))


# A queue's customers share come-back times (rounded to 5 minutes): a fan-out formats each
# one once, not once per text.
@lru_cache(maxsize=1024)
def _clock_time(locale: str, tz: ZoneInfo, moment: datetime) -> str:
    text = format_time(moment, "short", tzinfo=tz, locale=_BABEL_LOCALES[locale])
    # CLDR puts a narrow no-break space before "PM"; it is outside GSM-7 and would make every
    # English text UCS-2, cutting its room by a third.
    return fold_to_gsm7(text)


def _clean(value: str | None) -> str:
    """Producer text without final stops or "!" (the template adds its own)."""
    return (value or "").strip().rstrip(".。!！ ")


def _compose(
    locale: str, brand: Brand, lines: Sequence[Line], values: Mapping[str, Any], *, first: bool
) -> str:
    """Render `lines`; to fit, fold accents, then drop optional lines, then shorten free text."""
    catalog = (
        _catalog(locale) if brand.replies else endings.elsewhere(_catalog(locale), brand.contact)
    )
    first = first or not brand.replies  # every text from such a sender says how to opt out
    # Free text goes on one line: a producer's newlines would break the text's layout.
    names = map_free({**values, "brand": brand.name}, lambda value: " ".join(value.split()))
    whole = render(catalog, lines, names, first)
    if fits(whole):
        return whole  # most texts: nothing to fold, drop or shorten
    # Spelling "Pública" as "Publica" keeps a Latin-script text in GSM-7, with half as
    # much room again; that costs the reader less than any line or word we would cut.
    names = map_free(names, fold_to_gsm7)
    kept = list(lines)
    for line in sorted((ln for ln in lines if ln.drop), key=lambda ln: -ln.drop):
        if fits(render(catalog, kept, names, first)):
            break
        kept.remove(line)
    return shorten(lambda shortened: render(catalog, kept, shortened, first), names)
