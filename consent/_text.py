"""Normalising inbound text so that keyword and phrase rules compare like with like."""

from __future__ import annotations

import unicodedata

# Letters of scripts written without spaces: each counts as a word of its own.
_UNSPACED_PREFIXES = ("CJK ", "HIRAGANA", "KATAKANA")


def normalize(text: str) -> str:
    """Compatibility-fold, casefold and collapse whitespace; strip punctuation at both ends."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("\u2019", "'").replace("\u02bc", "'")
    words = " ".join(folded.split())
    start, end = 0, len(words)
    while start < end and _is_edge_noise(words[start]):
        start += 1
    while end > start and _is_edge_noise(words[end - 1]):
        end -= 1
    return words[start:end]


def strip_accents(text: str) -> str:
    """Drop combining marks, so that "más" matches "mas" and "lõpeta" matches "lopeta"."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", bare)


def words(text: str) -> tuple[str, ...]:
    """Split normalised text into words; each Chinese or Japanese character is one word."""
    found: list[str] = []
    current: list[str] = []
    for char in text:
        if _is_unspaced(char):
            found.extend(["".join(current), char] if current else [char])
            current = []
        elif char.isalnum() or (char == "'" and current):
            current.append(char)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return tuple(w.strip("'") for w in found if w.strip("'"))


def _is_edge_noise(char: str) -> bool:
    # Punctuation, symbols (emoji), separators and control characters around a keyword.
    return unicodedata.category(char)[0] in "PSZC"


def _is_unspaced(char: str) -> bool:
    return unicodedata.name(char, "").startswith(_UNSPACED_PREFIXES)
