"""Where a phone number is, as far as the consent rules care: jurisdiction and time zones."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import phonenumbers
import us
from phonenumbers import timezone

from consent import us_prefixes

# GDPR Art. 7(1) applies in the EU (including its outermost regions, which phonenumbers files
# under their own region codes) and the EEA; the UK keeps it as UK GDPR, and the Crown
# Dependencies that share +44 have copied it into their own law.
_DOCUMENTED_CONSENT_REGIONS = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    "AX", "GF", "GP", "MF", "MQ", "RE", "YT",
    "IS", "LI", "NO",
    "GB", "GG", "IM", "JE",
})  # fmt: skip

_UNKNOWN_ZONE = "Etc/Unknown"
# A number as the edge writes it (E.164): "+", a country code, 7 to 15 digits in all.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def jurisdiction(phone: str) -> str:
    """The number's jurisdiction: "US-FL" for a US state, else the region code ("EE", "GB")."""
    return _jurisdiction(phone)


def needs_documented_consent(phone: str) -> bool:
    """True for EU/EEA/UK numbers, whose grants must carry disclosure text and captured_at."""
    answer = _country_answer(_country_code(phone)) if _E164.fullmatch(phone) else None
    if answer is not None:
        return answer
    return _region(phone) in _DOCUMENTED_CONSENT_REGIONS


def _country_code(phone: str) -> int | None:
    """The country code of an E.164 number: codes are prefix-free, so the first one found."""
    for size in (1, 2, 3):
        code = int(phone[1 : 1 + size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


@cache
def _country_answer(code: int | None) -> bool | None:
    """Whether every region of a country code needs documented consent (True), none does
    (False), or only the number itself can tell (None: +39 is Italy and the Vatican).

    Most codes answer alike for all their numbers, which spares a fan-out parsing each one.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code or 0, ())
    answers = {region in _DOCUMENTED_CONSENT_REGIONS for region in regions}
    return answers.pop() if len(answers) == 1 else None


def time_zones(phone: str) -> tuple[str, ...]:
    """The number's IANA time zones from phonenumbers, ("UTC",) when it knows none."""
    return _time_zones(phone)


@lru_cache(maxsize=4096)
def _jurisdiction(phone: str) -> str:
    region = _region(phone)
    if region != "US":
        return region
    # The state the geocoder would name, for a number of a type that has a place.
    number = _parse(phone)
    national = phonenumbers.national_significant_number(number)
    state = us_prefixes.state_of(national) if _geographical(phone) else None
    return f"US-{state}" if state else "US"


@lru_cache(maxsize=4096)
def _region(phone: str) -> str:
    number = _parse(phone)
    region = phonenumbers.region_code_for_number(number)
    if region is None:
        # Numbers outside any allocated range (drama numbers, new ranges phonenumbers does not
        # know yet) still belong to their country code's main region.
        region = phonenumbers.region_code_for_country_code(number.country_code)
    return str(region)


@lru_cache(maxsize=4096)
def _time_zones(phone: str) -> tuple[str, ...]:
    number = _parse(phone)
    # A number with a place is looked up by it, as `time_zones_for_number` would after working
    # out its type again; any other as that function says, and then by its place after all.
    lookups = (
        (timezone.time_zones_for_geographical_number,)
        if _geographical(phone)
        else (timezone.time_zones_for_number, timezone.time_zones_for_geographical_number)
    )
    for lookup in lookups:
        zones = tuple(str(z) for z in lookup(number) if z != _UNKNOWN_ZONE)
        if zones:
            return zones
    return ("UTC",)


def local_time_zones(phone: str) -> tuple[str, ...]:
    """Every zone the number may be in: phonenumbers' zones, and all zones of its US state."""
    return _local_time_zones(phone)


@lru_cache(maxsize=4096)
def _local_time_zones(phone: str) -> tuple[str, ...]:
    # phonenumbers gives one zone per area code and can be wrong (689, Orlando, says Central)
    # or short (the overlays 448 and 364 name one zone of the two their states span). A number
    # also moves with its owner. The state is what the geocoder knows for sure, so every zone
    # of the state counts, and quiet hours hold in all of them.
    zones = set(time_zones(phone))
    code = _us_state_code(jurisdiction(phone))
    state = us.states.lookup(code) if code else None
    if state is not None:
        zones.update(str(z) for z in state.time_zones)
    return tuple(sorted(zones))


def _us_state_code(where: str) -> str | None:
    return where.removeprefix("US-") if where.startswith("US-") else None


# Working out a number's type is the costliest step of both the geocoder and the time-zone
# lookup, which would each do it again: it is done once, and each is told.
@lru_cache(maxsize=4096)
def _geographical(phone: str) -> bool | None:
    """Whether the number is of a type that has a place (None: of no known type at all)."""
    number = _parse(phone)
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return None
    return bool(phonenumbers.is_number_type_geographical(kind, number.country_code))


# One parse per number, not one per question asked of it (region, state, zones): deciding a
# peak warning asks all three. The parsed number is shared, and nothing here changes it.
@lru_cache(maxsize=4096)
def _parse(phone: str) -> Any:
    try:
        return phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not an E.164 phone number: {exc}") from exc
