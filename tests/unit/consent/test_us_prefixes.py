"""The US state of a number from the prefix table is what phonenumbers' geocoder says."""

from __future__ import annotations

import phonenumbers
from phonenumbers import geocoder
from phonenumbers.geodata import GEOCODE_DATA

from consent import us_prefixes
from consent.jurisdiction import jurisdiction


def test_the_table_is_what_the_installed_geocoder_says() -> None:
    assert us_prefixes.from_geocoder() == us_prefixes._prefixes()


def test_every_numbering_area_gets_the_state_the_geocoder_names() -> None:
    checked = 0
    for prefix in GEOCODE_DATA:
        if not prefix.startswith("1"):
            continue
        number = phonenumbers.parse("+" + (prefix + "5555555555")[:11])
        if phonenumbers.region_code_for_number(number) != "US" or not geographical(number):
            continue
        state = us_prefixes.state_named(geocoder.description_for_valid_number(number, "en"))
        expected = f"US-{state}" if state else "US"
        assert jurisdiction(phonenumbers.format_number(number, 0)) == expected, prefix
        checked += 1
    assert checked > 20_000


def geographical(number: phonenumbers.PhoneNumber) -> bool:
    """Whether the number is of a type that has a place, as the geocoder asks."""
    kind = phonenumbers.number_type(number)
    return kind != phonenumbers.PhoneNumberType.UNKNOWN and bool(
        phonenumbers.is_number_type_geographical(kind, number.country_code)
    )


def test_a_state_is_named_by_its_name_or_a_city_with_its_code() -> None:
    assert us_prefixes.state_named("Florida") == "FL"
    assert us_prefixes.state_named("Jersey City, NJ") == "NJ"
    assert us_prefixes.state_named("Ontario") is None
    assert us_prefixes.state_named("") is None
