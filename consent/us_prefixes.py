"""The US state of a North American number by its longest known prefix: what phonenumbers'
geocoder says of it, without loading the geocoder.

The geocoder holds the name of every numbering area of every country in every language, about
100 MB in each process that asks it one question. The consent rules ask only which state a US
number is in, so `us_prefixes.json` keeps only that: each prefix after +1 for which the
geocoder's English description names a state other than the prefix before it does ("" for
none). A number's longest prefix in it gives the state the geocoder's description names.
`make us-prefixes` writes it again from the installed phonenumbers, and a test fails while the
two disagree.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources

_FILE = "us_prefixes.json"

_US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
    "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA",
    "Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "Washington D.C.": "DC", "District of Columbia": "DC",
}  # fmt: skip
_USPS_CODES = frozenset(_US_STATES.values())


def state_of(national_number: str) -> str | None:
    """The USPS code of the state a +1 number's description names, or None."""
    prefixes = table()
    for end in range(len(national_number), 0, -1):
        if (state := prefixes.get(national_number[:end])) is not None:
            return state or None
    return None


def state_named(description: str) -> str | None:
    """The USPS code of the state a geocoder's description names: a state ("Florida") or a
    city with its code ("New York, NY")."""
    if description in _US_STATES:
        return _US_STATES[description]
    _, _, code = description.rpartition(", ")
    return code if code in _USPS_CODES else None


@cache
def table() -> dict[str, str]:
    """The table as `us_prefixes.json` holds it: prefix after +1 to USPS code ("" for none)."""
    data: dict[str, str] = json.loads(resources.files("consent").joinpath(_FILE).read_text())
    return data


def from_geocoder() -> dict[str, str]:
    """The table as the installed phonenumbers' geocoder has it (loads the geocoder)."""
    from phonenumbers.geodata import GEOCODE_DATA

    every = {
        prefix[1:]: state_named(names["en"]) or ""
        for prefix, names in GEOCODE_DATA.items()
        if prefix.startswith("1") and "en" in names
    }

    def before(prefix: str) -> str | None:  # what the longest shorter prefix says
        shorter = (prefix[:end] for end in range(len(prefix) - 1, 0, -1))
        return next((every[p] for p in shorter if p in every), None)

    return {p: every[p] for p in sorted(every) if every[p] != before(p)}


def main() -> None:
    """Write the table from the installed geocoder (`python -m consent.us_prefixes PATH`)."""
    (path,) = sys.argv[1:]
    with open(path, "w", encoding="utf-8") as out:
        json.dump(from_geocoder(), out, indent=0, sort_keys=True)
        out.write("\n")


if __name__ == "__main__":
    main()
