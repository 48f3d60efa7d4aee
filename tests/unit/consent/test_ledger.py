import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from consent.ledger import (
    GENESIS,
    ChainLink,
    ChainReport,
    canonical,
    chain_hash,
    verify_chain,
)

TALLINN_WINTER = timezone(timedelta(hours=2))


def record_fields(seq: int) -> dict[str, object]:
    return {
        "id": f"rec-{seq}",
        "seq": seq,
        "purposes": frozenset({"queue_updates", "peak_alerts"}),
        "action": "grant",
        "method": "kiosk",
        "recorded_at": datetime(2026, 11, 28, 9, seq, tzinfo=UTC),
        "disclosure": {"text": "Saadame sõnumeid järjekorra kohta", "version": "kiosk-3"},
    }


def build_chain(count: int) -> list[ChainLink]:
    links, prev = [], GENESIS
    for seq in range(1, count + 1):
        fields = record_fields(seq)
        link = ChainLink(seq, f"rec-{seq}", fields, prev, chain_hash(prev, fields))
        links.append(link)
        prev = link.hash
    return links


def test_canonical_is_sorted_compact_utf8_json() -> None:
    encoded = canonical({"b": 1, "a": "退订", "c": [1, 2]})

    assert encoded == '{"a":"退订","b":1,"c":[1,2]}'.encode()


def test_canonical_writes_datetimes_as_utc_with_z() -> None:
    at = datetime(2026, 11, 28, 11, 4, 51, tzinfo=TALLINN_WINTER)

    assert canonical({"at": at}) == b'{"at":"2026-11-28T09:04:51Z"}'


def test_canonical_keeps_microseconds() -> None:
    at = datetime(2026, 11, 28, 9, 4, 51, 120000, tzinfo=UTC)

    assert canonical({"at": at}) == b'{"at":"2026-11-28T09:04:51.120000Z"}'


def test_canonical_reads_naive_datetimes_as_utc_so_storage_round_trips_hash_alike() -> None:
    aware = datetime(2026, 11, 28, 9, 4, 51, tzinfo=UTC)

    assert canonical({"at": aware.replace(tzinfo=None)}) == canonical({"at": aware})


def test_canonical_writes_sets_as_sorted_lists() -> None:
    encoded = canonical({"purposes": frozenset({"queue_updates", "peak_alerts"}), "s": {3, 1}})

    assert encoded == b'{"purposes":["peak_alerts","queue_updates"],"s":[1,3]}'


def test_canonical_writes_dates_and_nested_mappings() -> None:
    encoded = canonical({"d": date(2026, 11, 28), "m": {"z": None, "a": True}})

    assert json.loads(encoded) == {"d": "2026-11-28", "m": {"a": True, "z": None}}
    assert encoded == b'{"d":"2026-11-28","m":{"a":true,"z":null}}'


def test_canonical_does_not_depend_on_insertion_order() -> None:
    fields = record_fields(1)

    assert canonical(dict(reversed(list(fields.items())))) == canonical(fields)


def test_canonical_refuses_what_it_cannot_encode_deterministically() -> None:
    with pytest.raises(TypeError, match="object"):
        canonical({"x": object()})
    with pytest.raises(ValueError):
        canonical({"x": float("nan")})


def test_chain_hash_is_sha256_of_previous_hash_newline_and_canonical_fields() -> None:
    fields = record_fields(1)
    expected = hashlib.sha256(GENESIS.encode() + b"\n" + canonical(fields)).hexdigest()

    assert chain_hash(GENESIS, fields) == expected
    assert chain_hash("f" * 64, fields) != expected


def test_intact_chain_verifies_and_reports_its_head() -> None:
    links = build_chain(5)

    assert verify_chain(links) == ChainReport(True, 5, links[-1].hash, None, None)


def test_empty_chain_verifies_with_genesis_head() -> None:
    assert verify_chain([]) == ChainReport(True, 0, GENESIS, None, None)


def test_tampered_record_is_named_and_head_is_the_last_good_hash() -> None:
    links = build_chain(5)
    tampered = {**links[2].fields, "action": "revoke"}
    links[2] = ChainLink(3, "rec-3", tampered, links[2].prev_hash, links[2].hash)

    report = verify_chain(links)

    assert report == ChainReport(False, 5, links[1].hash, "rec-3", 3)


def test_rehashed_tampered_record_breaks_the_next_link() -> None:
    links = build_chain(4)
    tampered = {**links[1].fields, "method": "paper"}
    links[1] = ChainLink(2, "rec-2", tampered, links[0].hash, chain_hash(links[0].hash, tampered))

    report = verify_chain(links)

    assert (report.ok, report.first_bad_record, report.first_bad_seq) == (False, "rec-3", 3)
    assert report.head == links[1].hash


def test_deleted_record_is_caught_at_the_record_after_it() -> None:
    links = build_chain(4)
    del links[1]

    report = verify_chain(links)

    assert (report.ok, report.first_bad_record, report.records) == (False, "rec-3", 3)
    assert report.head == links[0].hash


def test_chain_must_start_at_genesis() -> None:
    links = build_chain(3)[1:]

    report = verify_chain(links)

    assert (report.ok, report.first_bad_record, report.head) == (False, "rec-2", GENESIS)


def test_records_out_of_seq_order_are_named() -> None:
    links = build_chain(3)
    renumbered = ChainLink(1, "rec-2", links[1].fields, links[1].prev_hash, links[1].hash)

    report = verify_chain([links[0], renumbered, links[2]])

    assert (report.ok, report.first_bad_record) == (False, "rec-2")


def test_verify_accepts_any_iterable_once() -> None:
    links = build_chain(3)

    assert verify_chain(iter(links)).ok
