"""Builders for consent facts, so each test states only what it is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from consent.records import PURPOSES, ConsentFact

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CAPTURE_LEAD = timedelta(seconds=10)


class _Unset:
    pass


UNSET = _Unset()


def fact(
    seq: int,
    action: str = "grant",
    purposes: Iterable[str] = PURPOSES,
    method: str = "kiosk",
    *,
    recorded_at: datetime | None = None,
    captured_at: datetime | None | _Unset = UNSET,
    has_disclosure: bool = True,
) -> ConsentFact:
    """A fact recorded `seq` minutes after T0 and, unless told, captured just before that."""
    recorded = recorded_at or T0 + timedelta(minutes=seq)
    captured = recorded - CAPTURE_LEAD if isinstance(captured_at, _Unset) else captured_at
    return ConsentFact(
        id=f"rec-{seq}",
        seq=seq,
        purposes=frozenset(purposes),
        action=action,
        method=method,
        recorded_at=recorded,
        captured_at=captured,
        has_disclosure=has_disclosure,
    )


def grant(
    seq: int,
    *purposes: str,
    method: str = "kiosk",
    recorded_at: datetime | None = None,
    captured_at: datetime | None | _Unset = UNSET,
    has_disclosure: bool = True,
) -> ConsentFact:
    """A grant of `purposes` (every purpose when none is named)."""
    return fact(
        seq,
        "grant",
        purposes or PURPOSES,
        method,
        recorded_at=recorded_at,
        captured_at=captured_at,
        has_disclosure=has_disclosure,
    )


def revoke(seq: int, method: str, *purposes: str) -> ConsentFact:
    """A revocation of `purposes` (every purpose when none is named) by `method`."""
    return fact(seq, "revoke", purposes or PURPOSES, method, has_disclosure=False)
