import pytest

from consent.jurisdiction import jurisdiction, needs_documented_consent, time_zones


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+13055550142", "US-FL"),  # geocoder: "Florida"
        ("+12125550142", "US-NY"),  # geocoder: "New York, NY"
        ("+14155550142", "US-CA"),  # geocoder: "San Francisco, CA"
        ("+12025550142", "US-DC"),  # geocoder: "Washington D.C."
        ("+12055550142", "US-AL"),
        ("+15025550142", "US-KY"),
        ("+17025550142", "US-NV"),
        ("+18005550142", "US"),  # toll-free: no state
        ("+37256000000", "EE"),
        ("+447400123456", "GB"),
        ("+447700900123", "GB"),  # outside any allocated range: still the country's main region
        ("+8613800138000", "CN"),
        ("+34600000000", "ES"),
        ("+14165550142", "CA"),
    ],
)
def test_jurisdiction_names_us_state_or_region(phone: str, expected: str) -> None:
    assert jurisdiction(phone) == expected


@pytest.mark.parametrize(
    "phone",
    [
        "+37256000000",  # EE
        "+4915112345678",  # DE
        "+33612345678",  # FR
        "+34600000000",  # ES
        "+35312345678",  # IE
        "+3546111234",  # IS (EEA)
        "+4791234567",  # NO (EEA)
        "+447400123456",  # GB (UK GDPR)
        "+441534123456",  # JE (shares +44)
        "+262692123456",  # RE (EU outermost region)
    ],
)
def test_eu_eea_and_uk_numbers_need_documented_consent(phone: str) -> None:
    assert needs_documented_consent(phone)


@pytest.mark.parametrize(
    "phone", ["+13055550142", "+18005550142", "+8613800138000", "+41791234567", "+14165550142"]
)
def test_other_numbers_do_not_need_documented_consent(phone: str) -> None:
    assert not needs_documented_consent(phone)


@pytest.mark.parametrize(
    ("phone", "documented"),
    [
        ("+390612345678", True),  # IT
        ("+390669812345", False),  # VA, which shares +39
        ("+4791234567", True),  # NO
        ("+4779021234", False),  # SJ (Svalbard), which shares +47
        ("+590690001234", True),  # GP
        ("+590590271234", False),  # BL (Saint Barthelemy), which shares +590
    ],
)
def test_a_country_code_shared_across_the_line_is_told_apart_by_the_number(
    phone: str, documented: bool
) -> None:
    assert needs_documented_consent(phone) is documented


def test_time_zones_come_from_phonenumbers() -> None:
    assert time_zones("+13055550142") == ("America/New_York",)
    assert set(time_zones("+34600000000")) == {"Europe/Madrid", "Atlantic/Canary"}


def test_time_zones_of_an_unallocated_number_fall_back_to_its_country() -> None:
    assert "Europe/London" in time_zones("+447700900123")
    assert "Etc/Unknown" not in time_zones("+447700900123")


def test_time_zones_fall_back_to_utc_when_nothing_is_known() -> None:
    assert time_zones("+80012345678") == ("UTC",)


def test_a_string_that_is_not_a_phone_number_is_refused() -> None:
    with pytest.raises(ValueError, match="E.164"):
        jurisdiction("call me maybe")
