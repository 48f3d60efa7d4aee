"""The ledger's tree over HTTP: proofs anyone can check, and rewrites the outside file catches."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from consent.merkle import verify_consistency
from notifier.compliance.sequencer import sequence
from notifier.services import Services
from tests.conftest import Api
from tests.merkle_oracle import LeafTree
from tests.tamper import unguarded

PHONES = ("+13055550142", "+37251234567", "+8613800138000", "+447911123456")
HASHED = (
    "id seq subject purposes action method disclosure_text disclosure_version"
    " disclosure_language captured_at recorded_at evidence source jurisdiction"
).split()
LEDGER_TABLES = ("ledger_leaves", "ledger_nodes", "ledger_pending", "ledger_checkpoints")


def grant(api: Api, phone: str, version: str = "web-1") -> dict[str, Any]:
    body = {
        "phone": phone,
        "purposes": ["queue_updates"],
        "action": "grant",
        "method": "web_form",
        "captured_at": "2026-11-28T16:04:00+00:00",
        "disclosure": {"text": "Text me about my place in line.", "version": version},
        "evidence": {"ip": "203.0.113.9"},
    }
    answer = api.call("POST", "/v1/consents", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.fixture
def records(api: Api, svc: Services) -> list[dict[str, Any]]:
    """Four records folded in three batches: checkpoints of 1, 3 and 4 records."""
    made = [grant(api, PHONES[0])]
    sequence(svc.notary)
    made += [grant(api, PHONES[1]), grant(api, PHONES[2])]
    sequence(svc.notary)
    made.append(grant(api, PHONES[3]))
    sequence(svc.notary)
    return made


def exported(api: Api) -> list[dict[str, Any]]:
    answer = api.call("GET", "/v1/audit/consents")
    return [json.loads(line) for line in answer.text.splitlines()]


def leaf_from_export(row: dict[str, Any]) -> bytes:
    """A record's leaf as anyone can compute it from the export: SHA-256(0x00 || JSON)."""
    fields = {name: row[name] for name in HASHED}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + text.encode()).digest()


def verify(api: Api) -> dict[str, Any]:
    return api.call("GET", "/v1/audit/verify").json()  # type: ignore[no-any-return]


def test_every_record_has_an_inclusion_proof_an_independent_tree_accepts(
    api: Api, records: list[dict[str, Any]]
) -> None:
    rows = exported(api)
    reference = LeafTree([leaf_from_export(row) for row in rows])

    for index, row in enumerate(rows):
        proof = api.call("GET", f"/v1/audit/proof/{row['id']}").json()
        assert (proof["record_id"], proof["seq"], proof["leaf_index"]) == (
            row["id"],
            index + 1,
            index,
        )
        assert proof["leaf_hash"] == reference.leaves[index].hex() == row["hash"]
        assert (proof["tree_size"], proof["root"]) == (4, reference.root().hex())
        assert proof["audit_path"] == [h.hex() for h in reference.inclusion(index, 4)]
        assert proof["checkpoint"]["root"] == proof["root"]


def test_consecutive_checkpoints_are_proven_consistent(
    api: Api, records: list[dict[str, Any]]
) -> None:
    reference = LeafTree([leaf_from_export(row) for row in exported(api)])

    for first, second in ((1, 3), (3, 4), (1, 4)):
        answer = api.call("GET", "/v1/audit/consistency", params={"first": first, "second": second})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        old, new = body["first"], body["second"]
        assert (old["root"], new["root"]) == (
            reference.root(first).hex(),
            reference.root(second).hex(),
        )
        assert body["proof"] == [h.hex() for h in reference.consistency(first, second)]
        path = [bytes.fromhex(h) for h in body["proof"]]
        roots = bytes.fromhex(old["root"]), bytes.fromhex(new["root"])
        assert verify_consistency(first, second, *roots, path)


def test_proofs_are_refused_for_what_the_tree_does_not_hold(
    api: Api, svc: Services, records: list[dict[str, Any]]
) -> None:
    waiting = grant(api, PHONES[0], version="web-2")

    assert api.call("GET", "/v1/audit/proof/cr_nope").status_code == 404
    assert api.call("GET", f"/v1/audit/proof/{waiting['id']}").status_code == 409
    for params, status in (
        ({"first": 2, "second": 3}, 404),
        ({"first": 3, "second": 1}, 422),
        ({"first": "one", "second": 3}, 422),
        ({"first": 1}, 422),
    ):
        answer = api.call("GET", "/v1/audit/consistency", params=params)
        assert (answer.status_code, answer.headers["Content-Type"]) == (
            status,
            "application/problem+json",
        )


def test_deleting_the_newest_records_and_every_trace_of_them_is_caught_by_the_file(
    api: Api, svc: Services, records: list[dict[str, Any]]
) -> None:
    with unguarded(svc.db.engine) as conn:
        conn.exec_driver_sql("DELETE FROM consent_records WHERE seq = 4")
        conn.exec_driver_sql("DELETE FROM ledger_leaves WHERE seq = 4")
        conn.exec_driver_sql("DELETE FROM ledger_nodes WHERE level = 2")
        conn.exec_driver_sql("DELETE FROM ledger_checkpoints WHERE tree_size = 4")
        root = conn.exec_driver_sql("SELECT root FROM ledger_checkpoints WHERE tree_size = 3")
        conn.exec_driver_sql(f"UPDATE ledger_tree SET size = 3, root = '{root.scalar_one()}'")

    answer = verify(api)

    assert (answer["ok"], answer["finding"], answer["first_bad_leaf"]) == (
        False,
        "newest_records_deleted",
        3,
    )
    assert "kept in the file, counts 4 records, but the tree holds 3" in answer["problem"]


def test_rewriting_the_whole_ledger_with_a_fresh_signed_tree_is_caught_by_the_file(
    api: Api, svc: Services, records: list[dict[str, Any]], tmp_path: Path
) -> None:
    # Someone with the database, and even the signing key, but not the file: they empty the
    # ledger and write a history without the first grant, through the service's own code.
    with unguarded(svc.db.engine) as conn:
        for table in ("consent_records", *LEDGER_TABLES):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql("UPDATE ledger_tree SET size = 0, root = ''")
    for phone in PHONES[1:]:
        grant(api, phone)
    their_file = replace(svc.notary, file=tmp_path / "theirs" / "checkpoints.jsonl")
    sequence(their_file)
    assert verify_without_the_file(api, svc)

    answer = verify(api)

    assert (answer["ok"], answer["finding"], answer["first_bad_seq"]) == (
        False,
        "history_rewritten",
        exported(api)[0]["seq"],
    )
    assert "no longer give the root of the checkpoint" in answer["problem"]
    assert "kept in the file" in answer["problem"]


def verify_without_the_file(api: Api, svc: Services) -> bool:
    """Whether the rewritten database holds up on its own (it does: only the file tells)."""
    path = svc.settings.checkpoint_dir / "checkpoints.jsonl"
    kept = path.read_bytes()
    path.write_bytes(b"")
    try:
        return bool(verify(api)["ok"])
    finally:
        path.write_bytes(kept)
