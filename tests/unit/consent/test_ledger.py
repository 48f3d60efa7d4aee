import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from consent.ledger import (
    GENESIS,
    StoredRecord,
    canonical,
    chain_hash,
    record_leaf,
    stored_hash_holds,
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


def test_a_record_leaf_is_the_rfc_6962_leaf_hash_of_its_canonical_fields() -> None:
    fields = record_fields(1)

    assert record_leaf(fields) == hashlib.sha256(b"\x00" + canonical(fields)).digest()


def test_a_tree_record_holds_while_its_stored_hash_is_its_leaf() -> None:
    fields = record_fields(1)
    record = StoredRecord("rec-1", 1, fields, None, record_leaf(fields).hex())

    assert stored_hash_holds(record, record_leaf(fields))
    changed = {**fields, "action": "revoke"}
    assert not stored_hash_holds(record, record_leaf(changed))


def test_a_chained_record_holds_while_its_chain_hash_matches_its_fields() -> None:
    fields = record_fields(2)
    record = StoredRecord("rec-2", 2, fields, GENESIS, chain_hash(GENESIS, fields))

    assert stored_hash_holds(record, record_leaf(fields))
    changed = StoredRecord("rec-2", 2, {**fields, "method": "paper"}, GENESIS, record.hash)
    assert not stored_hash_holds(changed, record_leaf(changed.fields))
