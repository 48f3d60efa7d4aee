"""Reading one clause in one language: does it ask us to stop, and by which words?

A request to stop ("stop", "unsubscribe", "take * off") revokes when its object is our
texting ("stop texting me", "take me off your list", "the texts need to stop") or when the
clause holds nothing else ("please stop now"). Another object ("cancel my booking"), another
sense ("bus stop", "stop by"), a negation ("don't stop") or a condition ("until") keep it
from revoking. A way of being contacted revokes when it is negated ("don't text me", "I no
longer wish to receive these messages").
"""

from __future__ import annotations

from consent.replies.lexicon import Role
from consent.replies.negation import conditional, negated
from consent.replies.reading import Finding, Verdict
from consent.replies.tagging import Unit

_STOPS = (Role.STOP, Role.STOP_WEAK)
_PASSED_OVER = (Role.FILLER, Role.PERSON, Role.NEGATION_OF_MESSAGES, Role.WANT, Role.RECEIVE)
_EXPLAINED = (*_PASSED_OVER, *_STOPS, Role.MESSAGES, Role.PHRASE)
_ORDER = {Verdict.OPT_OUT: 0, Verdict.UNCLEAR: 1, Verdict.NOT_OPT_OUT: 2}


def read_clause(units: list[Unit], window: int, question: bool) -> Finding | None:
    """The strongest finding in the clause: an opt-out over an unclear over a refusal."""
    findings = []
    consumed: set[int] = set()
    for index in range(len(units)):
        if index not in consumed:
            found = _read_unit(units, index, window, question, consumed)
            if found is not None:
                findings.append(found)
    return min(findings, key=lambda f: _ORDER[f.verdict], default=None)


def _read_unit(
    units: list[Unit], index: int, window: int, question: bool, consumed: set[int]
) -> Finding | None:
    unit = units[index]
    if unit.has(Role.PHRASE):
        if negated(units, index, window):
            return _finding(Verdict.NOT_OPT_OUT, "negated", unit)
        return _finding(Verdict.OPT_OUT, "phrase", unit)
    if unit.has(Role.UNCLEAR):
        return _finding(Verdict.UNCLEAR, "unclear", unit)
    if unit.has(*_STOPS):
        return _read_stop(units, index, window, question, consumed)
    if unit.has(Role.RECEIVE, Role.WANT):
        return _read_contact(units, index, window, consumed)
    if unit.has(Role.MESSAGES) and not question:
        return _read_messages(units, index)
    return None


def _read_stop(
    units: list[Unit], index: int, window: int, question: bool, consumed: set[int]
) -> Finding | None:
    unit = units[index]
    before = units[index - 1] if index else None
    if before is not None and before.has(Role.MENTION):
        verdict = Verdict.NOT_OPT_OUT if question else Verdict.UNCLEAR
        return _finding(verdict, "mention", before, unit)
    if before is not None and before.has(Role.SENSE_BEFORE):
        return _finding(Verdict.NOT_OPT_OUT, "other_sense", before, unit)
    if negated(units, index, window):
        return _finding(Verdict.NOT_OPT_OUT, "negated", unit)
    if conditional(units, index):
        return _finding(Verdict.NOT_OPT_OUT, "conditional", unit)
    kind, where = _object(units, index, window)
    if kind == "other":
        return _finding(Verdict.NOT_OPT_OUT, "other_sense", unit, units[where])
    if kind == "messages":
        consumed.add(where)
        return _finding(Verdict.OPT_OUT, "stop_request", unit, units[where])
    if _explained(units):
        weak = not unit.has(Role.STOP)
        return _finding(Verdict.UNCLEAR if weak else Verdict.OPT_OUT, "bare_stop", unit)
    return None


def _object(units: list[Unit], index: int, window: int) -> tuple[str, int]:
    """What the request at `index` is about: ("messages" | "other" | "", where)."""
    gap = units[index].gap
    if any(inner.has(Role.OTHER_OBJECT) for inner in gap):
        return "other", index
    kind, where = _object_after(units, index, window)
    if kind:
        return kind, where
    if any(inner.has(Role.MESSAGES) for inner in gap):
        return "messages", index
    if all(u.has(*_PASSED_OVER) for u in units[index + 1 :]):
        # Nothing after it: "I would like the text messages to stop".
        for offset in range(index - 1, max(index - window - 2, -1), -1):
            if units[offset].has(Role.MESSAGES):
                return "messages", offset
    return "", index


def _object_after(units: list[Unit], index: int, window: int) -> tuple[str, int]:
    following = units[index + 1 : index + 1 + window]
    if following and following[0].has(Role.SENSE_AFTER):
        return "other", index + 1
    for offset, unit in enumerate(following, start=index + 1):
        if unit.has(Role.MESSAGES):
            return "messages", offset
        if unit.has(Role.OTHER_OBJECT):
            return "other", offset
        if unit.has(*_STOPS):
            break
    return "", index


def _read_contact(units: list[Unit], index: int, window: int, consumed: set[int]) -> Finding | None:
    # Negated before the verb ("don't text me") or before its object ("schicken Sie mir keine
    # SMS", "I want no texts").
    unit = units[index]
    verb_negated = negated(units, index, window, of_messages=True)
    if verb_negated and conditional(units, index):
        return _finding(Verdict.NOT_OPT_OUT, "conditional", unit)
    wanted = (Role.MESSAGES,) if not unit.has(Role.RECEIVE) else (Role.MESSAGES, Role.PERSON)
    reach = window + 3 if unit.has(Role.WANT) else window
    for offset, other in enumerate(units[index + 1 : index + 1 + reach], start=index + 1):
        if other.has(*_STOPS, Role.OTHER_OBJECT):
            return None
        object_negated = other.has(Role.MESSAGES) and negated(units, offset, 2, of_messages=True)
        if other.has(*wanted) and (verb_negated or object_negated):
            consumed.add(offset)
            return _finding(Verdict.OPT_OUT, "negated_contact", unit, other)
    if verb_negated and unit.has(Role.RECEIVE) and _explained(units, Role.NEGATION):
        return _finding(Verdict.OPT_OUT, "negated_contact", unit)
    return None


def _read_messages(units: list[Unit], index: int) -> Finding | None:
    # "No texts please", "keine SMS mehr": a refusal of the messages themselves. With a verb
    # in the clause the negation is the verb's ("n'arrêtez pas les messages").
    if any(unit.has(*_STOPS, Role.RECEIVE, Role.WANT) for unit in units):
        return None
    if negated(units, index, 2, of_messages=True) and _explained(units, Role.NEGATION):
        return _finding(Verdict.OPT_OUT, "no_messages", units[index])
    return None


def _explained(units: list[Unit], *also: Role) -> bool:
    return all(unit.has(*_EXPLAINED, *also) for unit in units)


def _finding(verdict: Verdict, rule: str, *units: Unit) -> Finding:
    words = tuple(word for unit in units for word in unit.words)
    return Finding(verdict, rule, words, None)
