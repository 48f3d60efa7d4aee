"""Which language a reply is in, when its words fit more than one lexicon.

The words that decided a reply usually name their language ("darme de baja" is Spanish). When
they fit several ("stop", "para por favor"), py3langid, whose model ships inside the package,
chooses among those languages; on replies of a few words it guesses poorly, so below
`_FEWEST_WORDS` the first language in the lexicon order (English first) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

from consent.replies.lexicon import LANGUAGES
from consent.replies.normalise import tokens

_FEWEST_WORDS = 4


def choose(text: str, candidates: Sequence[str]) -> str | None:
    """The language among `candidates` that `text` is written in (candidates in order)."""
    if len(candidates) <= 1 or len(tokens(text)) < _FEWEST_WORDS:
        return candidates[0] if candidates else None
    ranked = [str(language) for language, _ in _identifier().rank(text)]
    return min(candidates, key=lambda language: ranked.index(language))


def detect(text: str) -> str | None:
    """The language `text` is most likely in, or None when it is too short to tell."""
    if len(tokens(text)) < _FEWEST_WORDS:
        return None
    return str(_identifier().classify(text)[0])


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier
