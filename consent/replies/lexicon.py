"""The per-language word lists the reader works from, loaded from the TOML files beside it.

Each file names, for one language, the words that play a part in a reply (a role). Phrases
of several words are written with spaces; `*` stands for one to three words of any kind
("take * off"). Words are matched as written, or without their accents when the customer
typed none ("arrete" for "arrête", but not "dùng" for "dừng").
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources

from consent.replies.normalise import fold, tokens


class Role(StrEnum):
    """What a word does in a reply."""

    STOP = "stop"  # asks for something to end: "stop", "unsubscribe", "take * off"
    STOP_WEAK = "stop_weak"  # the same, but alone it is unclear: "no more", "enough"
    RECEIVE = "receive"  # a way of being contacted: "text", "send", "contact"
    WANT = "want"  # wanting: "want", "wish"; negated with messages, it revokes
    MESSAGES = "messages"  # what is sent: "texts", "messages", "notifications", "your list"
    PERSON = "person"  # the customer as object: "me", "my number"
    OTHER_OBJECT = "other_object"  # another thing to stop or cancel: "booking", "queue"
    PHRASE = "phrase"  # a revocation of its own: "leave me alone", "cease and desist"
    UNCLEAR = "unclear"  # might mean stop: "not interested", "wrong number"
    NEGATION = "negation"  # "don't", "never", "no longer"
    NEGATION_OF_MESSAGES = "negation_of_messages"  # "no" (texts), "keine" (SMS)
    NEGATION_AFTER = "negation_after"  # negates the word before it: "sluta inte", "しないで"
    SENSE_BEFORE = "sense_before"  # "bus" (stop), "the" (end): another sense
    SENSE_AFTER = "sense_after"  # (stop) "by", (end) "of": another sense
    CONDITION = "condition"  # "until", "unless": a condition, not a revocation
    MENTION = "mention"  # "reply" (STOP): the word is quoted, not said
    FILLER = "filler"  # words that add nothing: "please", "now", "all"


Phrase = tuple[str, ...]
WILDCARD = "*"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per language
class Lexicon:
    """One language's phrases, each with its roles, and how to read its script."""

    language: str
    convert: str  # "t2s": compare Chinese in Simplified characters
    window: int  # how many words a word may reach across to its object or negation
    phrases: Mapping[Phrase, frozenset[Role]]
    folded: Mapping[Phrase, frozenset[Role]]
    longest: int
    not_typos: frozenset[str]
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def roles(self, phrase: Phrase) -> frozenset[Role]:
        """The roles of `phrase` as written, or as typed without accents."""
        found = self.phrases.get(phrase)
        if found is None and all(word == fold(word) for word in phrase):
            found = self.folded.get(phrase)
        return found or frozenset()

    def single_words(self, roles: Iterable[Role]) -> frozenset[str]:
        """The one-word entries having any of `roles` (the targets of typo matching)."""
        wanted = frozenset(roles)
        return frozenset(p[0] for p, r in self.folded.items() if len(p) == 1 and r & wanted)


LANGUAGES = ("en", "es", "fr", "de", "et", "zh", "pt", "it", "ja", "ko", "ru", "vi", "sv", "da")


@cache
def lexicons() -> tuple[Lexicon, ...]:
    """Every language's lexicon, English first (the tie-break order)."""
    return tuple(_load(language) for language in LANGUAGES)


@cache
def shared() -> Mapping[str, tuple[str, ...]]:
    """Lists that belong to no language: footers, signatures, tapbacks, stop emoji."""
    data = tomllib.loads(_read("shared.toml"))
    return {key: tuple(value) for key, value in data.items()}


@cache
def known_words() -> Mapping[str, frozenset[Role]]:
    """Every one-word entry (folded) of any language's lists, with its roles in all of them."""
    found: dict[str, frozenset[Role]] = {}
    for lexicon in lexicons():
        for phrase, roles in lexicon.folded.items():
            if len(phrase) == 1:
                found[phrase[0]] = found.get(phrase[0], frozenset()) | roles
        for word in lexicon.not_typos:
            found[word] = found.get(word, frozenset()) | {Role.FILLER}
    return found


def _read(name: str) -> str:
    return resources.files("consent.replies").joinpath("lexicon", name).read_text("utf-8")


def _load(language: str) -> Lexicon:
    data = tomllib.loads(_read(f"{language}.toml"))
    convert = str(data.get("convert", ""))
    by_phrase: dict[Phrase, set[Role]] = {}
    for role in Role:
        for entry in data.get(role.value, []):
            phrase = tokens(entry, convert)
            if phrase:
                by_phrase.setdefault(phrase, set()).add(role)
    phrases = {p: frozenset(r) for p, r in by_phrase.items()}
    folded: dict[Phrase, frozenset[Role]] = {}
    for phrase, roles in phrases.items():
        key = tuple(fold(word) for word in phrase)
        folded[key] = folded.get(key, frozenset()) | roles
    return Lexicon(
        language=language,
        convert=convert,
        window=int(data.get("window", 4)),
        phrases=phrases,
        folded=folded,
        longest=max(len(p) for p in phrases if WILDCARD not in p),
        not_typos=frozenset(fold(w) for w in data.get("not_typos", [])),
        keywords={k: tuple(v) for k, v in data.get("keywords", {}).items()},
    )
