"""The US state of a number from the prefix table is what phonenumbers' geocoder says."""

from __future__ import annotations

import phonenumbers
from phonenumbers import geocoder
from phonenumbers.geodata import GEOCODE_DATA

from consent import us_prefixes
from consent.jurisdiction import _geographical, jurisdiction


def test_the_table_is_what_the_installed_geocoder_says() -> None:
    assert us_prefixes.from_geocoder() == us_prefixes.table()


def test_every_numbering_area_gets_the_state_the_geocoder_names() -> None:
    checked = 0
    for prefix in GEOCODE_DATA:
        if not prefix.startswith("1"):
            continue
        phone = "+" + (prefix + "5555555555")[:11]
        number = phonenumbers.parse(phone)
        if phonenumbers.region_code_for_number(number) != "US" or not _geographical(phone):
            continue
        state = us_prefixes.state_named(geocoder.description_for_valid_number(number, "en"))
        expected = f"US-{state}" if state else "US"
        assert jurisdiction(phone) == expected, prefix
        checked += 1
    assert checked > 20_000


def test_a_state_is_named_by_its_name_or_a_city_with_its_code() -> None:
    assert us_prefixes.state_named("Florida") == "FL"
    assert us_prefixes.state_named("Jersey City, NJ") == "NJ"
    assert us_prefixes.state_named("Ontario") is None
    assert us_prefixes.state_named("") is None
