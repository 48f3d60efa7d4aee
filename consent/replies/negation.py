"""Whether a word is negated ("don't stop", "no pares", "sluta inte", "停止しないで")."""

from __future__ import annotations

from consent.replies.lexicon import Role
from consent.replies.tagging import Unit

# A negation reaches over wanting ("I don't want to unsubscribe") but not over another request
# ("don't stop texting" negates "stop", and "texting" is what stops).
_BARRIERS = (Role.STOP, Role.STOP_WEAK, Role.RECEIVE, Role.PHRASE)
_AFTER = 4  # "sluta inte", "停止しないで", "ich will diese SMS nicht mehr"


def negated(units: list[Unit], index: int, window: int, *, of_messages: bool = False) -> bool:
    """True if the unit at `index` is negated before, inside its gap, or just after it."""
    kinds = (Role.NEGATION, Role.NEGATION_OF_MESSAGES) if of_messages else (Role.NEGATION,)
    for unit in reversed(units[max(index - window, 0) : index]):
        if unit.has(*kinds):
            return True
        if unit.has(*_BARRIERS):
            break
    if any(inner.has(Role.NEGATION, Role.NEGATION_AFTER) for inner in units[index].gap):
        return True
    return any(unit.has(Role.NEGATION_AFTER) for unit in units[index + 1 : index + 1 + _AFTER])


def conditional(units: list[Unit], index: int) -> bool:
    """True if a condition follows ("don't text me until it's my turn"): not a revocation."""
    return any(unit.has(Role.CONDITION) for unit in units[index + 1 :])
