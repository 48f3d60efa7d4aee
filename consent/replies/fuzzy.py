"""Typos: "Stpo", "Unsubscibe", "Cancle" read as the word meant, and "cancer" does not.

Edit distance comes from rapidfuzz. Short words forgive less: a four-letter word only a
swapped or doubled letter ("stpo", "stopp"), since one changed letter makes another word
("step", "shop"); from five letters a missing or extra one ("cancl"); from seven a changed
one ("unsubscrive"); from nine two edits of any kind.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

SHORTEST = 4


def correct(word: str, vocabulary: Iterable[str]) -> str | None:
    """The vocabulary word `word` is a typo of, or None."""
    if len(word) < SHORTEST or not word.isalpha():
        return None
    candidates = [
        v for v in vocabulary if len(v) >= SHORTEST and v[0] == word[0] or _swapped_first(word, v)
    ]
    found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=2)
    if found is None:
        return None
    target = str(found[0])
    return target if _forgivable(word, target) else None


def _swapped_first(word: str, target: str) -> bool:
    return len(target) >= SHORTEST and word[:2] == target[1::-1]


def _forgivable(word: str, target: str) -> bool:
    osa = OSA.distance(word, target)
    if len(target) >= 9:
        return osa <= 2
    if osa != 1:
        return False
    if Levenshtein.distance(word, target) == 2:
        return True  # one swap of neighbours: "stpo", "cancle"
    (op,) = Levenshtein.editops(word, target)
    if op.tag == "delete":  # the typist added a letter
        return _doubled(word, op.src_pos) or len(target) >= 5
    if op.tag == "insert":  # the typist dropped one
        return len(target) >= 5
    return len(target) >= 7  # "replace": a neighbouring key


def _doubled(word: str, position: int) -> bool:
    neighbours = word[max(position - 1, 0) : position] + word[position + 1 : position + 2]
    return word[position] in neighbours
