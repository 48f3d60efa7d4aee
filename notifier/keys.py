"""API keys: made once, shown once, kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.errors import ConflictError, NotFoundError, ValidationFailedError
from notifier.models import ApiKey, new_id

SCOPES = ("events:write", "queues:write", "consent:write", "audit:read", "admin")
KEY_PREFIX = "ntf_"


def hash_key(key: str) -> str:
    """The stored form of a key (keys are long and random, so a plain hash suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(raw: Iterable[str]) -> list[str]:
    """Check scope names; raise naming the unknown ones."""
    scopes = sorted({s.strip() for s in raw if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValidationFailedError(
            f"unknown scopes {', '.join(unknown) or '(none given)'}; use {', '.join(SCOPES)}"
        )
    return scopes


def create_key(session: Session, name: str, scopes: Iterable[str], now: datetime) -> str:
    """Make a key named `name`; return the key itself, which is not kept anywhere."""
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise ConflictError(f"a key named {name!r} exists already; revoke it first")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            id=new_id("key"),
            name=name,
            key_hash=hash_key(key),
            prefix=key[:10],
            scopes=parse_scopes(scopes),
            created_at=now,
            revoked_at=None,
        )
    )
    return key


def revoke_key(session: Session, name: str, now: datetime) -> None:
    """Revoke the key named `name`; its name becomes free again."""
    key = session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)))
    if key is None:
        raise NotFoundError(f"no active key named {name!r}")
    key.revoked_at = now
    key.name = f"{name}~revoked~{key.id}"


def list_keys(session: Session) -> list[ApiKey]:
    """Every key ever made, active ones first, by name."""
    return list(
        session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.name))
    )


@dataclass(frozen=True)
class Caller:
    """Who made a request, and what it may do."""

    key_id: str
    name: str
    scopes: frozenset[str]

    def may(self, scope: str) -> bool:
        """`admin` implies every scope."""
        return scope in self.scopes or "admin" in self.scopes


def find_caller(session: Session, key: str) -> Caller | None:
    """The caller behind a presented key, unless unknown or revoked."""
    row = session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )
    return None if row is None else Caller(row.id, row.name, frozenset(row.scopes))
