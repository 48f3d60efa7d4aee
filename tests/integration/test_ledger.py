"""The consent ledger in the database: append-only, appended without a global lock, folded
into a Merkle tree whose checkpoints are signed and kept outside the database too."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consent.checkpoints import is_signed_by
from consent.ledger import record_leaf
from notifier.clock import FixedClock
from notifier.compliance import checkpoints, ledger, ledger_check, proofs, subjects
from notifier.compliance.sequencer import sequence
from notifier.config import load_settings
from notifier.models import ConsentRecord, Subject
from notifier.models_ledger import LedgerLeaf
from notifier.services import Services
from tests.merkle_oracle import LeafTree
from tests.tamper import tamper
from workers.relay import relay_once

PHONES = ("+13055550142", "+37251234567", "+8613800138000")


def append(svc: Services, phone: str, action: str = "grant") -> ConsentRecord:
    """Append one record, as the API would."""
    record = ledger.NewRecord(
        phone=phone,
        purposes=("queue_updates",),
        action=action,
        method="kiosk",
        source="test",
        captured_at=svc.clock.now() - timedelta(seconds=5),
        disclosure_text="Text me about my place in line.",
        evidence={"location": "desk-1"},
    )
    with svc.db.session() as session:
        row = ledger.append(session, svc.pseudonymize, record, svc.clock.now())
    return row


def leaf_order(svc: Services) -> list[int]:
    """The record numbers in the tree's order."""
    with svc.db.session() as session:
        return list(session.scalars(sa.select(LedgerLeaf.seq).order_by(LedgerLeaf.leaf_index)))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_records SET method = 'paper'",
        "UPDATE consent_records SET evidence = '{}' WHERE seq = 1",
        "DELETE FROM consent_records WHERE seq = 2",
        "DELETE FROM consent_records",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_ledger_record(
    svc: Services, statement: str
) -> None:
    for phone in PHONES:
        append(svc, phone)
    sequence(svc.notary)

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.engine.begin() as conn:
            conn.execute(sa.text(statement))

    assert ledger_check.verify(svc.notary).ok
    with svc.db.session() as session:
        assert session.scalar(sa.select(sa.func.count(ConsentRecord.id))) == 3


def test_the_database_refuses_the_orm_too(svc: Services) -> None:
    row = append(svc, PHONES[0])

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.session() as session:
            session.get_one(ConsentRecord, row.id).source = "rewritten"


@pytest.mark.postgres_only
def test_postgres_refuses_truncating_the_ledger(svc: Services) -> None:
    if svc.db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    append(svc, PHONES[0])

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE consent_records"))


def test_records_wait_numbered_until_the_sequencer_folds_them_once(svc: Services) -> None:
    rows = [append(svc, phone) for phone in PHONES]
    assert [r.seq for r in rows] == [1, 2, 3]
    assert all(r.prev_hash is None for r in rows)
    before = ledger_check.verify(svc.notary)
    assert (before.ok, before.records, before.tree_size, before.waiting) == (True, 3, 0, 3)

    assert sequence(svc.notary) == 3
    assert sequence(svc.notary) == 0

    after = ledger_check.verify(svc.notary)
    assert (after.ok, after.records, after.tree_size, after.waiting) == (True, 3, 3, 0)
    reference = LeafTree([bytes.fromhex(r.hash) for r in rows])
    assert after.checkpoint is not None
    assert after.root == after.checkpoint.root == reference.root().hex()
    assert leaf_order(svc) == [1, 2, 3]
    with svc.db.session() as session:
        assert [record_leaf(ledger.hashed_fields(r)).hex() for r in rows] == [r.hash for r in rows]
        assert session.scalar(sa.select(sa.func.count()).select_from(LedgerLeaf)) == 3


def test_every_fold_signs_a_checkpoint_kept_in_the_database_and_in_the_file(
    svc: Services,
) -> None:
    append(svc, PHONES[0])
    sequence(svc.notary)
    append(svc, PHONES[1])
    append(svc, PHONES[2])
    sequence(svc.notary)

    path = svc.settings.var_dir / "ledger" / "checkpoints.jsonl"
    outside = list(checkpoints.in_file(path, checkpoints.file_length(path)))
    inside = list(checkpoints.in_database(svc.db, upto=10))
    assert outside == inside
    assert [c.tree_size for c in inside] == [1, 3]
    key = checkpoints.signing_key(svc.settings.secret_key)
    assert all(is_signed_by(key, c) for c in inside)
    assert not is_signed_by(svc.settings.secret_key.encode(), inside[0])  # derived, not the secret


def test_a_checkpoint_the_file_missed_is_written_on_the_next_run(
    svc: Services, clock: FixedClock
) -> None:
    append(svc, PHONES[0])
    sequence(svc.notary)
    append(svc, PHONES[1])
    sequence(svc.notary)
    path = checkpoints.file_path(svc.settings)
    first_line = path.read_text().splitlines(keepends=True)[0]
    path.write_text(first_line)  # as if the process died between the commit and the write
    clock.set(clock.now() + timedelta(minutes=10))

    behind = ledger_check.verify(svc.notary)
    assert (behind.ok, behind.finding) == (False, "checkpoint_not_kept_outside")

    assert sequence(svc.notary) == 0
    assert ledger_check.verify(svc.notary).ok
    assert len(path.read_text().splitlines()) == 2


def test_the_checkpoint_directory_is_a_setting(tmp_path: object) -> None:
    settings = load_settings({"NOTIFIER_VAR_DIR": "/srv/var", "NOTIFIER_SECRET_KEY": "x" * 32})
    assert str(settings.checkpoint_dir) == "/srv/var/ledger"

    elsewhere = load_settings(
        {"LEDGER_CHECKPOINT_DIR": "/mnt/worm/ledger", "NOTIFIER_SECRET_KEY": "x" * 32}
    )
    assert str(checkpoints.file_path(elsewhere)) == "/mnt/worm/ledger/checkpoints.jsonl"


def test_a_changed_record_is_named_by_verify(svc: Services) -> None:
    rows = [append(svc, phone) for phone in PHONES]
    sequence(svc.notary)

    tamper(svc.db.engine, "UPDATE consent_records SET action = 'revoke' WHERE seq = 2")

    report = ledger_check.verify(svc.notary)
    assert (report.ok, report.finding) == (False, "record_changed")
    assert (report.first_bad_record, report.first_bad_seq, report.first_bad_leaf) == (
        rows[1].id,
        2,
        1,
    )
    # The guard is back: the next change is refused again.
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with svc.db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM consent_records"))


def test_a_removed_newest_record_is_named(svc: Services) -> None:
    for phone in PHONES:
        append(svc, phone)
    sequence(svc.notary)

    tamper(svc.db.engine, "DELETE FROM consent_records WHERE seq = 3")

    report = ledger_check.verify(svc.notary)
    assert (report.ok, report.finding, report.records, report.first_bad_seq) == (
        False,
        "newest_records_deleted",
        2,
        3,
    )


def test_removing_a_number_keeps_the_tree(svc: Services) -> None:
    append(svc, PHONES[0])
    append(svc, PHONES[0], action="revoke")
    sequence(svc.notary)

    with svc.db.session() as session:
        session.execute(sa.delete(Subject))

    assert ledger_check.verify(svc.notary).ok


def test_appends_from_many_writers_while_the_sequencer_runs_make_one_tree(svc: Services) -> None:
    errors: list[BaseException] = []
    writing = threading.Event()

    def writer(phone: str) -> None:
        try:
            for _ in range(15):
                append(svc, phone)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    def sequencer() -> None:
        try:
            while writing.is_set():
                sequence(svc.notary)
        except BaseException as error:
            errors.append(error)

    phones = [*PHONES, "+13055550199"]
    threads = [threading.Thread(target=writer, args=(phone,)) for phone in phones]
    writing.set()
    folding = threading.Thread(target=sequencer)
    folding.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writing.clear()
    folding.join()
    sequence(svc.notary)

    assert errors == []
    report = ledger_check.verify(svc.notary)
    assert (report.ok, report.records, report.tree_size) == (True, 60, 60)
    assert sorted(leaf_order(svc)) == list(range(1, 61))


@pytest.mark.postgres_only
def test_a_record_that_commits_late_with_a_lower_number_is_folded_not_skipped(
    svc: Services,
) -> None:
    if svc.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns: a lower number cannot commit later")
    with svc.db.session() as slow:
        early = ledger.append(slow, svc.pseudonymize, new_record(PHONES[0]), svc.clock.now())
        late = append(svc, PHONES[1])
        assert early.seq < late.seq
        assert sequence(svc.notary) == 1  # only what has committed

    assert sequence(svc.notary) == 1
    assert leaf_order(svc) == [late.seq, early.seq]
    assert ledger_check.verify(svc.notary).ok


@pytest.mark.postgres_only
def test_an_append_waits_only_for_appends_to_the_same_number(svc: Services) -> None:
    if svc.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    with svc.db.session() as held:
        ledger.append(held, svc.pseudonymize, new_record(PHONES[0]), svc.clock.now())

        with svc.db.session() as other:
            other.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
            ledger.append(other, svc.pseudonymize, new_record(PHONES[1]), svc.clock.now())
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            with svc.db.session() as same:
                same.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
                ledger.append(same, svc.pseudonymize, new_record(PHONES[0]), svc.clock.now())


def test_the_relay_folds_new_records_into_the_tree(svc: Services) -> None:
    append(svc, PHONES[0])

    relay_once(svc)

    assert ledger_check.verify(svc.notary).tree_size == 1


def test_a_sequencer_that_cannot_write_the_file_still_folds(svc: Services) -> None:
    blocked = svc.settings.var_dir / "not-a-directory"
    blocked.write_text("")
    elsewhere = replace(svc.notary, file=blocked / "checkpoints.jsonl")
    append(svc, PHONES[0])

    assert sequence(elsewhere) == 1

    assert ledger_check.verify(svc.notary).tree_size == 1


def new_record(phone: str) -> ledger.NewRecord:
    return ledger.NewRecord(
        phone=phone, purposes=("queue_updates",), action="grant", method="kiosk", source="test"
    )


def test_a_damaged_tree_is_named_and_stops_folding_but_not_the_relay(svc: Services) -> None:
    append(svc, PHONES[0])
    append(svc, PHONES[1])
    sequence(svc.notary)
    with svc.db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger_nodes"))
    append(svc, PHONES[2])

    assert relay_once(svc) == 0  # it ran through, though nothing could be folded

    report = ledger_check.verify(svc.notary)
    assert (report.ok, report.finding, report.tree_size, report.waiting) == (
        False,
        "tree_damaged",
        2,
        1,
    )


def test_erasure_keeps_the_tree_whole_and_every_record_provable(svc: Services) -> None:
    granted = append(svc, PHONES[0])
    sequence(svc.notary)

    erased = subjects.erase(svc.work, PHONES[0], "key:admin")
    sequence(svc.notary)

    report = ledger_check.verify(svc.notary)
    assert (report.ok, report.tree_size) == (True, 2)
    for record_id in (granted.id, erased.revocation_record_id):
        assert record_id is not None
        assert proofs.inclusion(svc.notary, record_id).tree_size == 2


def test_a_line_written_into_the_checkpoint_file_by_hand_is_named(svc: Services) -> None:
    append(svc, PHONES[0])
    sequence(svc.notary)
    path = checkpoints.file_path(svc.settings)
    with path.open("a") as file:
        file.write('{"tree_size": 1, "root": "forged"}\n')

    report = ledger_check.verify(svc.notary)

    assert (report.ok, report.finding) == (False, "checkpoint_forged")
    assert "signature this service did not make" in (report.problem or "")
