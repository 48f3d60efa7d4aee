"""Phone numbers are parsed once, here, at the edge; inside only E.164 strings travel."""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

import phonenumbers
from babel.core import get_global

from notifier.errors import invalid


def region_for_timezone(timezone: str) -> str | None:
    """The country of an IANA time zone ("Europe/Tallinn" -> "EE"), if it has one."""
    territory = get_global("zone_territories").get(timezone)
    return str(territory) if territory and territory != "001" else None


def to_e164(raw: str, *, default_region: str | None, field: str) -> str:
    """Parse a number written in any common format; raise a 422 naming `field` if invalid."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise invalid(field, "is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise invalid(field, "is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str:
    """A number fit for logs: all but the last 4 digits hidden."""
    if not phone:
        return "-"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


class Pseudonymizer(Protocol):
    """Turns a number into the pseudonym that the ledger and the message log know it by."""

    def __call__(self, phone: str) -> str:
        """The pseudonym of an E.164 number."""
        ...


class KeyedPseudonymizer:
    """Keyed pseudonyms of numbers: stable for one secret, not reversible without it."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"notifier-pseudonym\n" + secret.encode()).digest()

    def __call__(self, phone: str) -> str:
        """The pseudonym of an E.164 number."""
        return hmac.new(self._key, phone.encode(), hashlib.sha256).hexdigest()
