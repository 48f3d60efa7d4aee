"""Tagging a clause: which words of one language's lexicon it holds, and the role of each."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from consent.replies.fuzzy import correct
from consent.replies.lexicon import WILDCARD, Lexicon, Phrase, Role, known_words
from consent.replies.normalise import fold

# Words whose typos are worth correcting: the ones that carry a request.
_CORRECTED = (Role.STOP, Role.STOP_WEAK, Role.RECEIVE, Role.WANT, Role.MESSAGES)
_MAX_GAP = 3
_STOPS = frozenset({Role.STOP, Role.STOP_WEAK})


@dataclass(frozen=True)
class Unit:
    """A word or phrase of the clause: its words, its roles, and the words in its gap."""

    words: tuple[str, ...]
    roles: frozenset[Role]
    gap: tuple[Unit, ...] = ()

    def has(self, *roles: Role) -> bool:
        """True if the unit plays any of `roles`."""
        return bool(self.roles.intersection(roles))


def tag(words: tuple[str, ...], lexicon: Lexicon) -> list[Unit]:
    """The clause's words as units, longest phrase first; a typo becomes the word meant."""
    units: list[Unit] = []
    position = 0
    while position < len(words):
        unit, used = _longest(words, position, lexicon)
        units.append(unit)
        position += used
    return units


def _longest(words: tuple[str, ...], start: int, lexicon: Lexicon) -> tuple[Unit, int]:
    for length in range(min(lexicon.longest, len(words) - start), 0, -1):
        phrase = words[start : start + length]
        roles = lexicon.roles(phrase)
        if roles:
            return Unit(phrase, roles), length
    gapped = _gapped(words, start, lexicon)
    if gapped:
        return gapped
    return _single(words[start], lexicon), 1


def _gapped(words: tuple[str, ...], start: int, lexicon: Lexicon) -> tuple[Unit, int] | None:
    for head, tail, roles in _wildcard_phrases(lexicon):
        if words[start : start + len(head)] != head and not _folded_equal(words, start, head):
            continue
        after_head = start + len(head)
        for gap in range(1, _MAX_GAP + 1):
            end = after_head + gap
            if _folded_equal(words, end, tail):
                inner = tuple(tag(words[after_head:end], lexicon))
                return Unit(head + (WILDCARD,) + tail, roles, inner), end + len(tail) - start
    return None


def _folded_equal(words: tuple[str, ...], start: int, phrase: Phrase) -> bool:
    found = words[start : start + len(phrase)]
    return len(found) == len(phrase) and tuple(fold(w) for w in found) == phrase


def _single(word: str, lexicon: Lexicon) -> Unit:
    # A word of another language's lists is that word, not a typo: "texts" is English, not a
    # misspelt Spanish "textos". Only a word that asks to stop anywhere ("stopp") may be one.
    if fold(word) in lexicon.not_typos or known_words().get(fold(word), _STOPS) - _STOPS:
        return Unit((word,), frozenset())
    meant = correct(fold(word), _vocabulary(lexicon))
    if meant is None:
        return Unit((word,), frozenset())
    return Unit((word,), lexicon.roles((meant,)))


@cache
def _vocabulary(lexicon: Lexicon) -> frozenset[str]:
    return lexicon.single_words(_CORRECTED)


@cache
def _wildcard_phrases(lexicon: Lexicon) -> tuple[tuple[Phrase, Phrase, frozenset[Role]], ...]:
    found = []
    for phrase, roles in lexicon.folded.items():
        if WILDCARD in phrase:
            cut = phrase.index(WILDCARD)
            found.append((phrase[:cut], phrase[cut + 1 :], roles))
    return tuple(found)
