"""Compliance staff: accounts, signing in with a lockout, and the staff-access log.

Passwords are hashed with argon2 (`argon2-cffi`). Failed sign-ins are counted on the account in
the database, so the lockout holds across every web process. Every time a staff member opens a
number, reveals it, downloads an export or erases, one entry is appended to the staff-access log
(GDPR Arts. 30 and 32: who looked at personal data, when, and what they did).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.clock import Clock
from notifier.compliance.audit import Row, Window
from notifier.db import Database
from notifier.errors import ConflictError, NotFoundError, ValidationFailedError
from notifier.models import new_id
from notifier.models_console import StaffAccess, StaffAccount

ROLES = ("auditor", "admin")
MIN_PASSWORD_LENGTH = 12
# Five wrong passwords in a row lock the account for a quarter of an hour: slow enough to stop
# guessing, short enough that a staff member who mistyped is not locked out for the day.
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
ACCESS_BATCH = 500
ACCESS_COLUMNS = ("id", "at", "staff", "role", "action", "subject", "detail", "address")

_hasher = PasswordHasher()


@cache
def _decoy_hash() -> str:
    """Checked against when the name is unknown, so that a wrong name takes as long as a wrong
    password."""
    return _hasher.hash(secrets.token_urlsafe(16))


class AccessEntryOut(BaseModel):
    """`GET /v1/audit/access`: one entry of the staff-access log."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="The entry's number, in order")
    at: datetime = Field(description="When it happened")
    staff: str = Field(description="Who: the staff account's name")
    role: str = Field(description="Its role then: auditor or admin")
    action: str = Field(description="What: sign_in, view, reveal, download, erase, verify, ...")
    subject: str | None = Field(description="Which number, by its pseudonym (never the number)")
    detail: str | None = Field(description="More about it, in plain words")
    address: str | None = Field(description="The network address it came from")


@dataclass(frozen=True)
class StaffMember:
    """Who is signed in, and what they may do."""

    id: str
    name: str
    role: str
    timezone: str

    @property
    def is_admin(self) -> bool:
        """Admins may also erase and read the staff-access log."""
        return self.role == "admin"


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the member, or why not (and until when, if locked)."""

    member: StaffMember | None
    locked_until: datetime | None = None


def _member(account: StaffAccount) -> StaffMember:
    return StaffMember(account.id, account.name, account.role, account.timezone)


def check_role(role: str) -> str:
    """A known role, or a 422 naming the choices."""
    if role not in ROLES:
        raise ValidationFailedError(f"unknown role {role!r}; use {' or '.join(ROLES)}")
    return role


def check_timezone(name: str) -> str:
    """An IANA time zone name, or a 422."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailedError(f"unknown time zone {name!r}") from None
    return name


def check_password(password: str) -> str:
    """A password long enough to be worth hashing, or a 422."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long"
        )
    return password


def new_password() -> str:
    """A random password to show once."""
    return secrets.token_urlsafe(15)


def create_account(
    session: Session, name: str, role: str, password: str, now: datetime, timezone: str = "UTC"
) -> StaffMember:
    """Make an account; a name in use (even by a disabled account) is refused."""
    if session.scalar(select(StaffAccount).where(StaffAccount.name == name)) is not None:
        raise ConflictError(f"a staff account named {name!r} exists already")
    account = StaffAccount(
        id=new_id("staff"),
        name=name,
        role=check_role(role),
        password_hash=_hasher.hash(check_password(password)),
        timezone=check_timezone(timezone),
        failed_signins=0,
        created_at=now,
    )
    session.add(account)
    return _member(account)


def set_password(session: Session, name: str, password: str) -> None:
    """Give an account a new password; it is enabled and unlocked again."""
    account = _named(session, name)
    account.password_hash = _hasher.hash(check_password(password))
    account.disabled_at = None
    account.failed_signins = 0
    account.locked_until = None


def disable_account(session: Session, name: str, now: datetime) -> None:
    """Disable an account at once: its open sessions stop working on their next request."""
    account = _named(session, name)
    if account.disabled_at is None:
        account.disabled_at = now


def _named(session: Session, name: str) -> StaffAccount:
    account = session.scalar(select(StaffAccount).where(StaffAccount.name == name))
    if account is None:
        raise NotFoundError(f"no staff account named {name!r}")
    return account


def sign_in(session: Session, name: str, password: str, now: datetime) -> SignIn:
    """Check a name and password; count failures and lock the account after too many."""
    account = session.scalar(
        select(StaffAccount).where(StaffAccount.name == name).with_for_update()
    )
    if account is None or account.disabled_at is not None:
        _matches(_decoy_hash(), password)
        return SignIn(None)
    if account.locked_until is not None and account.locked_until > now:
        return SignIn(None, account.locked_until)
    if not _matches(account.password_hash, password):
        account.failed_signins += 1
        if account.failed_signins >= MAX_FAILURES:
            account.failed_signins = 0
            account.locked_until = now + LOCKOUT
            return SignIn(None, account.locked_until)
        return SignIn(None)
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.failed_signins = 0
    account.locked_until = None
    account.last_signin_at = now
    return SignIn(_member(account))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def active_member(session: Session, staff_id: str) -> StaffMember | None:
    """The member behind a session, unless the account is gone or disabled."""
    account = session.get(StaffAccount, staff_id)
    if account is None or account.disabled_at is not None:
        return None
    return _member(account)


def log_access(
    db: Database,
    clock: Clock,
    member: StaffMember,
    action: str,
    *,
    subject: str | None = None,
    detail: str | None = None,
    address: str | None = None,
) -> None:
    """Append one entry to the staff-access log, in a transaction of its own."""
    with db.session() as session:
        session.add(
            StaffAccess(
                at=clock.now(),
                staff=member.name,
                role=member.role,
                action=action,
                subject=subject,
                detail=(detail or None) and detail[:300],
                address=address,
            )
        )


def access_rows(db: Database, window: Window) -> Iterator[list[Row]]:
    """Every staff-access entry in the window, oldest first, batch by batch."""
    last = 0
    while True:
        with db.session() as session:
            query = select(StaffAccess).where(StaffAccess.id > last)
            if window.since is not None:
                query = query.where(StaffAccess.at >= window.since)
            if window.until is not None:
                query = query.where(StaffAccess.at < window.until)
            if window.subject is not None:
                query = query.where(StaffAccess.subject == window.subject)
            found = list(session.scalars(query.order_by(StaffAccess.id).limit(ACCESS_BATCH)))
            batch = [_access_row(entry) for entry in found]
        if not batch:
            return
        yield batch
        last = found[-1].id


def _access_row(entry: StaffAccess) -> Row:
    return AccessEntryOut.model_validate(entry).model_dump(mode="json")


def recent_access(
    db: Database, *, before_id: int | None = None, limit: int = 50
) -> list[StaffAccess]:
    """The newest entries of the staff-access log, a page at a time (newest first)."""
    with db.session() as session:
        query = select(StaffAccess).order_by(StaffAccess.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(StaffAccess.id < before_id)
        return list(session.scalars(query))
