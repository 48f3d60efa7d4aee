"""What an inbound SMS asks for: opt out, opt back in, help, status, or something else."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from consent._text import normalize, strip_accents
from consent.free_text import opt_out_language


class ReplyKind(StrEnum):
    """The kind of an inbound reply."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    STATUS = "status"
    OTHER = "other"


@dataclass(frozen=True)
class Reply:
    """A classified inbound reply: its kind, how an opt-out/in was expressed, and its language."""

    kind: ReplyKind
    method: str | None
    language: str | None


def _table(**by_language: str) -> Mapping[str, str]:
    return MappingProxyType(
        {
            keyword: language
            for language, keywords in by_language.items()
            for keyword in keywords.split(",")
        }
    )


# Keyword -> the language it belongs to. STOP, INFO and the like are understood everywhere
# but are English words, so they say "en"; "" means the keyword does not tell.
OPT_OUT_KEYWORDS: Mapping[str, str] = _table(
    en="STOP,STOPALL,STOP ALL,UNSUBSCRIBE,CANCEL,END,QUIT,REVOKE,OPTOUT,OPT OUT,OPT-OUT,REMOVE",
    fr="ARRET,ARRÊT,ARRETE",
    es="ALTO,PARAR,BAJA,CANCELAR,NO MAS,NO MÁS",
    de="STOPP",
    et="LÕPETA,LOPETA,TÜHISTA",
    zh="TD,退订,取消",
)
OPT_IN_KEYWORDS: Mapping[str, str] = _table(en="START,UNSTOP,YES")
HELP_KEYWORDS: Mapping[str, str] = _table(
    en="HELP,INFO", fr="AIDE", es="AYUDA", et="ABI", zh="帮助"
)
STATUS_KEYWORDS: Mapping[str, str] = MappingProxyType({"STATUS": "en", "?": ""})

_KINDS = (
    (OPT_OUT_KEYWORDS, ReplyKind.OPT_OUT),
    (OPT_IN_KEYWORDS, ReplyKind.OPT_IN),
    (HELP_KEYWORDS, ReplyKind.HELP),
    (STATUS_KEYWORDS, ReplyKind.STATUS),
)
_EXACT = {
    normalize(k): (kind, lang) for table, kind in _KINDS for k, lang in table.items() if k != "?"
}
# Keywords written without their accents ("arrete" for "ARRÊTE") are still the keyword.
_FOLDED = {strip_accents(k): v for k, v in _EXACT.items()}


def _is_question_marks(body: str) -> bool:
    # "?" is a keyword made of the very punctuation that normalize() strips.
    marks = "".join(unicodedata.normalize("NFKC", body).split())
    return bool(marks) and set(marks) == {"?"}


def classify_reply(body: str) -> Reply:
    """Classify an inbound SMS body by the keyword tables, then the free-text opt-out rule."""
    if _is_question_marks(body):
        return Reply(ReplyKind.STATUS, None, None)
    key = normalize(body)
    found = _EXACT.get(key) or _FOLDED.get(strip_accents(key))
    if found:
        kind, language = found
        method = "sms_keyword" if kind in (ReplyKind.OPT_OUT, ReplyKind.OPT_IN) else None
        return Reply(kind, method, language or None)
    free_text_language = opt_out_language(body)
    if free_text_language:
        return Reply(ReplyKind.OPT_OUT, "sms_free_text", free_text_language)
    return Reply(ReplyKind.OTHER, None, None)
