"""What an inbound SMS asks for: opt out, opt back in, help, status, or something else.

Exact keywords (the tables below) are read first, on the reply as sent and again without
its footer, signature or quoted text of ours ("Stop — Mike"): they are `sms_keyword`. Every
other reply goes to the reader in `consent.replies`, which decides `opt_out`, `not_opt_out`
or `unclear`.

An unclear reply ("not interested", "wrong number", "no more") is a `ReplyKind.OPT_OUT`
with `verdict` `Verdict.UNCLEAR` and method `sms_free_text`: texts stop at once, exactly as
for an opt-out, and the one confirmation must also ask whether something else was meant
(47 CFR 64.1200(a)(12)). `verdict`, `rule` and `words` say why, for the ledger's evidence;
they are not part of a Reply's equality, which stays what the reply asks for.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from consent._text import normalize, strip_accents
from consent.replies import Verdict, cleaned_text, read


class ReplyKind(StrEnum):
    """The kind of an inbound reply."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    STATUS = "status"
    OTHER = "other"


@dataclass(frozen=True)
class Reply:
    """A classified inbound reply: its kind, how an opt-out/in was expressed, its language,
    and the verdict, rule and words that decided it."""

    kind: ReplyKind
    method: str | None
    language: str | None
    verdict: Verdict = field(default=Verdict.NOT_OPT_OUT, compare=False)
    rule: str = field(default="", compare=False)
    words: tuple[str, ...] = field(default=(), compare=False)

    @property
    def unclear(self) -> bool:
        """True for an opt-out read from an unclear reply: confirm it with a question."""
        return self.verdict is Verdict.UNCLEAR


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
    """Classify an inbound SMS body by the keyword tables, then by the reader of free text."""
    if _is_question_marks(body):
        return Reply(ReplyKind.STATUS, None, None, rule="keyword", words=("?",))
    keyword = _keyword(normalize(body)) or _keyword(normalize(cleaned_text(body)))
    if keyword:
        return keyword
    reading = read(body)
    if reading.verdict is Verdict.NOT_OPT_OUT:
        return Reply(ReplyKind.OTHER, None, None, reading.verdict, reading.rule, reading.words)
    language = reading.language or "en"
    return Reply(
        ReplyKind.OPT_OUT, "sms_free_text", language, reading.verdict, reading.rule, reading.words
    )


def _keyword(key: str) -> Reply | None:
    found = _EXACT.get(key) or _FOLDED.get(strip_accents(key))
    if not found:
        return None
    kind, language = found
    method = "sms_keyword" if kind in (ReplyKind.OPT_OUT, ReplyKind.OPT_IN) else None
    verdict = Verdict.OPT_OUT if kind is ReplyKind.OPT_OUT else Verdict.NOT_OPT_OUT
    return Reply(kind, method, language or None, verdict, "keyword", (key,))
