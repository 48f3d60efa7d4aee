"""The reader of inbound replies: opt_out, not_opt_out or unclear, with the rule and words.

Each clause of the cleaned reply is read against every language's lexicon; the strongest
finding wins (an opt-out in any language over an unclear reply over a refusal), since
missing an opt-out is the costliest mistake. Its language is the lexicon's, chosen by
detection when the words fit several.
"""

from __future__ import annotations

from functools import cache

from consent.replies.clause import read_clause
from consent.replies.language import choose
from consent.replies.lexicon import Lexicon, Role, lexicons, shared
from consent.replies.normalise import clauses, clean, comparable, has_letters, tokens
from consent.replies.reading import NOTHING, Finding, Reading, Verdict
from consent.replies.tagging import tag

_ORDER = (Verdict.OPT_OUT, Verdict.UNCLEAR, Verdict.NOT_OPT_OUT)


def read(body: str) -> Reading:
    """Read one inbound reply as a careful person at the front desk would."""
    text = comparable(body)
    cleaned = clean(text, shared()["footers"], _is_ours(text))
    if not has_letters(cleaned):
        return _read_symbols(text)
    findings = [f for lexicon in lexicons() for f in _read_in(cleaned, lexicon)]
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


def _read_symbols(text: str) -> Reading:
    stops = [e for e in shared()["stop_emoji"] if e in text]
    if stops:
        return Reading(Verdict.UNCLEAR, "stop_emoji", tuple(stops), None)
    return NOTHING


def _is_ours(text: str):  # type: ignore[no-untyped-def]
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
