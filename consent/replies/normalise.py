"""Making a reply comparable: compatibility forms, footers, signatures, quotes, spacing, words.

Everything here is about how people type, not what they mean: full-width letters, "S T O P",
"STOOOP", "Sent from my iPhone", "— Mike", emoji and repeated punctuation are undone so that
the reader sees the words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from opencc import OpenCC  # type: ignore[import-untyped]

# Letters of scripts written without spaces between words: each one is a word of its own.
_UNSPACED = ("CJK ", "HIRAGANA", "KATAKANA", "HANGUL")
# French and Italian elisions ("n'arrêtez", "m'envoyer", "l'iscrizione") are two words.
_ELISIONS = frozenset({"c", "d", "j", "l", "m", "n", "s", "t", "qu", "un", "dell", "all"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'"})
_LETTER = r"[^\W\d_]"
_STRETCHED = re.compile(rf"({_LETTER})\1{{2,}}")  # "stooop", "pleeease"
_SPACED = re.compile(rf"(?<!\w)(?:{_LETTER}[ .\-_*·/]+){{2,}}{_LETTER}(?!\w)")  # "s t o p"
_SIGNATURE = re.compile(rf"\s+[-–—~]+\s*{_LETTER}+(?:\s{_LETTER}+)?\.?\s*$")  # "— Mike"
_QUOTED = re.compile(r'"[^"]*"?|“[^”]*”?|«[^»]*»?|„[^“”]*[“”]?|「[^」]*」?|『[^』]*』?')
_CLAUSE_END = re.compile(r"([.!?;:。！？；…\n,，、]+|\s[-–—]+\s*|\s*[-–—]+\s)")


@dataclass(frozen=True)
class Clause:
    """A stretch of a reply between sentence marks, and whether it asks a question."""

    text: str
    question: bool


def fold(word: str) -> str:
    """The word without accents ("lõpeta" → "lopeta", "dừng" → "dung")."""
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", bare).replace("đ", "d")


def comparable(text: str) -> str:
    """Compatibility-fold (full-width letters), casefold, and one kind of apostrophe."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)


def clean(text: str, footers: Iterable[str], is_ours: Callable[[str], bool]) -> str:
    """The reply as the customer wrote it: no quotes of our own texts, footers or signature."""
    text = _QUOTED.sub(
        lambda m: " " if is_ours(m.group()) else m.group().strip('"“”«»„「」『』'), text
    )
    lines = [line for line in text.split("\n") if not line.strip().startswith(tuple(footers))]
    text = _SIGNATURE.sub("", "\n".join(line for line in lines if not line.startswith(">")))
    text = _STRETCHED.sub(r"\1", text)
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*·/]", "", m.group()), text)


def clauses(text: str) -> list[Clause]:
    """Split at sentence marks, commas and dashes; each clause is read on its own."""
    parts = _CLAUSE_END.split(text)
    found = []
    for index in range(0, len(parts), 2):
        mark = parts[index + 1] if index + 1 < len(parts) else ""
        if parts[index].strip():
            found.append(Clause(parts[index].strip(), "?" in mark or "？" in mark))
    return found


def tokens(text: str, convert: str = "") -> tuple[str, ...]:
    """The words of `text` (already comparable); "*" stays a word, for lexicon wildcards."""
    text = comparable(text)
    if convert:
        text = _converter(convert).convert(text)
    found: list[str] = []
    for chunk in re.split(r"[^\w'*]+|_", text):
        found.extend(_split_chunk(chunk))
    return tuple(found)


def has_letters(text: str) -> bool:
    """True if any letter is left (a reply of emoji and punctuation has none)."""
    return any(c.isalpha() for c in text)


def _split_chunk(chunk: str) -> list[str]:
    words: list[str] = []
    current = ""
    for char in chunk:
        if unicodedata.name(char, "").startswith(_UNSPACED):
            words.extend([current, char] if current else [char])
            current = ""
        else:
            current += char
    words.append(current)
    return [part for word in words for part in _split_elision(word.strip("'")) if part]


def _split_elision(word: str) -> list[str]:
    head, apostrophe, rest = word.partition("'")
    if apostrophe and head in _ELISIONS and len(rest) >= 2:
        return [head, rest]
    return [word]


@cache
def _converter(config: str) -> OpenCC:
    return OpenCC(config)
