"""The reader of inbound replies: opt_out, not_opt_out or unclear, with the rule and words.

Each clause of the cleaned reply is read against every language's lexicon; the strongest
finding wins (an opt-out in any language over an unclear reply over a refusal), since
missing an opt-out is the costliest mistake. Its language is the lexicon's, chosen by
detection when the words fit several.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from consent.replies.clause import read_clause
from consent.replies.language import choose, detect
from consent.replies.lexicon import Lexicon, Role, lexicons, shared
from consent.replies.normalise import clauses, clean, comparable, has_letters, tokens
from consent.replies.reading import NOTHING, Finding, Reading, Verdict
from consent.replies.tagging import tag

_ORDER = (Verdict.OPT_OUT, Verdict.UNCLEAR, Verdict.NOT_OPT_OUT)
_REFUSALS = frozenset({"negated", "other_sense", "conditional"})


def read(body: str) -> Reading:
    """Read one inbound reply as a careful person at the front desk would."""
    text = comparable(body)
    cleaned = clean(text, shared()["footers"], _is_ours(text))
    if not has_letters(cleaned):
        return _read_symbols(text)
    findings = _in_its_language(cleaned, [f for lx in lexicons() for f in _read_in(cleaned, lx)])
    for verdict in _ORDER:
        found = [f for f in findings if f.verdict is verdict]
        if found:
            language = choose(cleaned, list(dict.fromkeys(str(f.language) for f in found)))
            first = next(f for f in found if f.language == language)
            return Reading(first.verdict, first.rule, first.words, language)
    return NOTHING


def cleaned_text(body: str) -> str:
    """The reply without footers, signatures and quotes of our own texts (for keywords)."""
    text = comparable(body)
    return clean(text, shared()["footers"], _is_ours(text))


def _read_in(text: str, lexicon: Lexicon) -> list[Finding]:
    found = []
    for clause in clauses(text):
        units = tag(tokens(clause.text, lexicon.convert), lexicon)
        finding = read_clause(units, lexicon.window, clause.question)
        if finding is not None:
            found.append(Finding(finding.verdict, finding.rule, finding.words, lexicon.language))
    return found


def _in_its_language(text: str, findings: list[Finding]) -> list[Finding]:
    """Only the reply's own language's findings, when it refuses what another one reads.

    "不要取消我的通知" (Chinese: don't cancel my notifications) reads as a request in Japanese,
    where 不要 means "unneeded". When the detected language sees a negation or another sense
    and no opt-out, its reading stands.
    """
    language = detect(text)
    own = [f for f in findings if f.language == language]
    refused = any(f.rule in _REFUSALS for f in own)
    if refused and not any(f.verdict is not Verdict.NOT_OPT_OUT for f in own):
        return own
    return findings


def _read_symbols(text: str) -> Reading:
    stops = [e for e in shared()["stop_emoji"] if e in text]
    if stops:
        return Reading(Verdict.UNCLEAR, "stop_emoji", tuple(stops), None)
    return NOTHING


def _is_ours(text: str) -> Callable[[str], bool]:
    tapback = text.lstrip().startswith(shared()["tapbacks"])

    def is_ours(quoted: str) -> bool:
        # A tapback quotes the text it reacts to; a quote naming a keyword with "reply" or
        # "text" is our own instruction being quoted back, not the customer saying it.
        words = set(tokens(quoted)) | set(tokens(quoted, "t2s"))
        return tapback or bool(words & _mentions() and words & _keywords())

    return is_ours


@cache
def _mentions() -> frozenset[str]:
    return _words_with(Role.MENTION)


@cache
def _keywords() -> frozenset[str]:
    return _words_with(Role.STOP)


def _words_with(role: Role) -> frozenset[str]:
    return frozenset(
        word
        for lexicon in lexicons()
        for phrase, roles in lexicon.phrases.items()
        if role in roles
        for word in phrase
    )
