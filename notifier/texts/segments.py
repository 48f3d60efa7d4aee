"""How many SMS segments a text takes, counted the way carriers bill it (GSM 03.38 / UCS-2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from unicodedata import combining, normalize

GSM_7 = "GSM-7"
UCS_2 = "UCS-2"

# The GSM 03.38 default alphabet (127 printable characters; the escape code 0x1B is not one).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each of these is sent as ESC + character, so it costs two septets.
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM_ALL = _GSM_BASIC | _GSM_EXTENSION

# Typography that phones and word processors put in, spelled the way GSM-7 can carry it.
_PLAIN: dict[int, int | str] = {
    **str.maketrans(
        "\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb\u2013\u2014\u2212\u00a0\u202f\u2009",
        '\'\'\'"""""---   ',
    ),
    ord("\u2026"): "...",
}

# Room per segment: a lone segment has it all; a concatenated one gives 7 septets (6 octets)
# to the header that tells the phone how to reassemble the parts.
_ROOM = {GSM_7: (160, 153), UCS_2: (70, 67)}

MAX_SEGMENTS: Mapping[str, int] = MappingProxyType({GSM_7: 2, UCS_2: 3})


@dataclass(frozen=True)
class SegmentCount:
    """The encoding a text needs, how many segments it takes and how many units it has."""

    encoding: str  # "GSM-7" | "UCS-2"
    segments: int
    units: int  # septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2


def count_segments(text: str) -> SegmentCount:
    """Count the segments of `text`: GSM-7 if every character is in its tables, else UCS-2."""
    # Set operations, not a loop per character: every text is counted as it is composed.
    if _GSM_BASIC.issuperset(text):
        return SegmentCount(GSM_7, _uniform(len(text), *_ROOM[GSM_7]), len(text))
    if _GSM_ALL.issuperset(text):
        encoding = GSM_7
        weights = [2 if char in _GSM_EXTENSION else 1 for char in text]
    else:
        encoding = UCS_2
        # Characters beyond the Basic Multilingual Plane (most emoji) are surrogate pairs.
        weights = [2 if ord(char) > 0xFFFF else 1 for char in text]
    single, concatenated = _ROOM[encoding]
    return SegmentCount(encoding, _pack(weights, single, concatenated), sum(weights))


def fits(text: str) -> bool:
    """Whether `text` stays within the segment limit for its encoding."""
    count = count_segments(text)
    return count.segments <= MAX_SEGMENTS[count.encoding]


def _pack(weights: Sequence[int], single: int, concatenated: int) -> int:
    """Segments needed when no character (escape or surrogate pair) is split between two."""
    total = sum(weights)
    if total <= single or max(weights) == 1:
        return _uniform(total, single, concatenated)
    segments, used = 1, 0
    for weight in weights:
        if used + weight > concatenated:
            segments, used = segments + 1, 0
        used += weight
    return segments


def _uniform(units: int, single: int, concatenated: int) -> int:
    """Segments needed when every character takes one unit: each part fills up whole."""
    if units <= single:
        return min(units, 1)
    return -(-units // concatenated)


def fold_to_gsm7(text: str) -> str:
    """`text` with accents GSM-7 lacks dropped ("õ" -> "o", "á" -> "a"); others left as they are."""
    folded = []
    for char in text.translate(_PLAIN):
        if char in _GSM_BASIC or char in _GSM_EXTENSION:
            folded.append(char)
            continue
        bare = "".join(c for c in normalize("NFD", char) if not combining(c))
        # Only a letter that becomes GSM-7 is changed; Chinese, emoji and the like stay.
        folded.append(bare if bare and all(c in _GSM_BASIC for c in bare) else char)
    return "".join(folded)
