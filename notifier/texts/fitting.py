"""Making a text fit its segments: free text cut at word breaks, the least needed first."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from notifier.texts.segments import fits

# Values that come from producers or settings, so may be any length: shortened if need be,
# the long descriptive ones first, down to a floor, and only then the names.
_BULK = ("action", "compensation", "note", "counter", "contact")
_FREE_TEXT = (*_BULK, "brand", "ticket")
_BULK_FLOOR = 24
ELLIPSIS = "..."  # three dots, not "…", which is outside GSM-7


@dataclass(frozen=True)
class Line:
    """One sentence of a text, by its catalog key."""

    key: str  # "section.name" in the catalog
    drop: int = 0  # 0: always kept; otherwise dropped to fit, the highest number first


def render(
    catalog: Mapping[str, str], lines: Sequence[Line], names: Mapping[str, Any], first: bool
) -> str:
    """The text of `lines` behind the brand, ending with the opt-out line on a first text."""
    body = [catalog[line.key].format_map(names) for line in lines]
    if first:
        # The first text to a number must end by saying how to opt out.
        body.append(catalog["common.opt_out"])
    # A text whose first line names the brand itself is not signed again in front of it.
    signed = "{brand}" not in catalog[lines[0].key]
    signature = catalog["common.brand"].format_map(names) if signed else ""
    text = signature + catalog["common.sep"].join(body)
    # A value cut short ends with "..."; a template's own full stop after it is one too many.
    return text.replace(ELLIPSIS + ".", ELLIPSIS)


def shorten(render: Callable[[Mapping[str, Any]], str], names: Mapping[str, Any]) -> str:
    """Cut free text until the text fits: long producer text first, the brand and ticket last."""
    text = render(names)
    if fits(text):
        return text
    longest = max(len(str(names.get(key, ""))) for key in _FREE_TEXT)
    cap = _largest(longest, lambda n: fits(render(_capped(names, _BULK, n))))
    if cap < _BULK_FLOOR or not fits(render(_capped(names, _BULK, cap))):
        names = _capped(names, _BULK, _BULK_FLOOR)
        cap = _largest(longest, lambda n: fits(render(_capped(names, _FREE_TEXT, n))))
        text = render(_capped(names, _FREE_TEXT, cap))
    else:
        text = render(_capped(names, _BULK, cap))
    if fits(text):
        return text
    # A last resort that the tests keep from happening with the shipped catalogs.
    return text[: _largest(len(text), lambda n: fits(text[:n] + ELLIPSIS))] + ELLIPSIS


def map_free(names: Mapping[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    """`names` with `change` applied to each free-text value."""
    return {
        key: change(value) if key in _FREE_TEXT and isinstance(value, str) else value
        for key, value in names.items()
    }


def _capped(names: Mapping[str, Any], keys: Sequence[str], cap: int) -> dict[str, Any]:
    """`names` with each value of `keys` longer than `cap` cut to `cap` with an ellipsis."""
    capped = dict(names)
    for key in keys:
        value = capped.get(key)
        if isinstance(value, str) and len(value) > cap:
            capped[key] = _cut(value, cap - len(ELLIPSIS)) + ELLIPSIS
    return capped


def _cut(value: str, size: int) -> str:
    """The first `size` characters of `value`, ending at a word break if one is near."""
    head = value[: max(size, 0)]
    word_break = head.rfind(" ")
    # Close to the end, a whole word reads better; further back it would waste the room.
    return (head[:word_break] if word_break >= len(head) - 12 else head).rstrip(" ,;:")


def _largest(high: int, holds: Callable[[int], bool]) -> int:
    """The largest n in 0..high for which `holds` (true up to some n, false after) is true."""
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low
