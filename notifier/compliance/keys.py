"""API keys: made once, shown once, kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.errors import ConflictError, NotFoundError, ValidationFailedError
from notifier.models import ApiKey, new_id

SCOPES = ("events:write", "queues:write", "consent:write", "audit:read", "admin")
KEY_PREFIX = "ntf_"
# How long a web process trusts a key it has looked up: a revocation takes this long at most.
KEY_CACHE_SECONDS = 5.0


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


def find_caller(session: Session, digest: str) -> Caller | None:
    """The caller behind a key's hash, unless unknown or revoked."""
    row = session.scalar(
        select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
    )
    return None if row is None else Caller(row.id, row.name, frozenset(row.scopes))


class KeyCache:
    """Known callers, remembered for a few seconds so a request need not open a transaction.

    Only keys found are remembered, so a new key works at once; a revoked one keeps working
    for at most `ttl` seconds on each web process that saw it just before.
    """

    def __init__(self, ttl: float = KEY_CACHE_SECONDS, size: int = 1024) -> None:
        self._cache: TTLCache[str, Caller] = TTLCache(maxsize=size, ttl=ttl)
        self._lock = threading.Lock()

    def caller(self, key: str, load: Callable[[str], Caller | None]) -> Caller | None:
        """The caller behind `key`, from the cache or from `load` (given the key's hash)."""
        digest = hash_key(key)
        with self._lock:
            known = self._cache.get(digest)
        if known is not None:
            return known
        found = load(digest)
        if found is not None:
            with self._lock:
                self._cache[digest] = found
        return found

    def forget(self) -> None:
        """Drop every remembered caller (this process has just revoked a key)."""
        with self._lock:
            self._cache.clear()
