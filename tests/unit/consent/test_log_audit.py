"""Checking the ledger against its tree and checkpoints names each kind of tampering."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from consent.checkpoints import Checkpoint, sign
from consent.findings import Finding, LogReport
from consent.ledger import GENESIS, StoredRecord, chain_hash, record_leaf
from consent.log_audit import FILE_GRACE, Leaf, LogInput, check_log
from consent.merkle import EMPTY_ROOT, Node, extend, fold

KEY = b"k" * 32
T0 = datetime(2026, 11, 28, 16, 5, tzinfo=UTC)
LATER = T0 + FILE_GRACE * 2


def fields(seq: int, action: str = "grant") -> dict[str, object]:
    return {"id": f"rec-{seq}", "seq": seq, "action": action, "recorded_at": T0}


def record(seq: int, action: str = "grant") -> StoredRecord:
    data = fields(seq, action)
    return StoredRecord(f"rec-{seq}", seq, data, None, record_leaf(data).hex())


@dataclass
class Log:
    """A ledger as the sequencer leaves it: records folded in batches, a checkpoint each."""

    key: bytes = KEY
    leaves: list[Leaf] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    edge: list[Node] = field(default_factory=list)

    def fold(self, *records: StoredRecord) -> Log:
        for rec in records:
            digest = record_leaf(rec.fields)
            self.leaves.append(Leaf(len(self.leaves), rec.seq, digest.hex(), rec))
            self.edge, _ = extend(self.edge, [digest])
        self.checkpoints.append(sign(self.key, len(self.leaves), self.root, T0))
        return self

    @property
    def root(self) -> str:
        return fold([node.hash for node in self.edge]).hex()

    def check(self, **changes: object) -> LogReport:
        data = LogInput(
            leaves=self.leaves,
            database=self.checkpoints,
            file=self.checkpoints,
            waiting=[],
            lost_from_queue=[],
            state=(len(self.leaves), self.root),
            edge_root=self.root,
        )
        return check_log(KEY, replace(data, **changes), LATER)  # type: ignore[arg-type]


def three_batches() -> Log:
    return Log().fold(record(1)).fold(record(2), record(3)).fold(record(4))


def named(report: LogReport) -> tuple[Finding, str | None, int | None, int | None]:
    assert report.problem is not None
    problem = report.problem
    return problem.finding, problem.record_id, problem.seq, problem.leaf


def test_an_intact_ledger_holds_and_reports_its_root() -> None:
    log = three_batches()

    report = log.check()

    assert (report.ok, report.tree_size, report.root) == (True, 4, log.checkpoints[-1].root)


def test_an_empty_ledger_holds() -> None:
    report = Log().check(state=(0, EMPTY_ROOT.hex()), edge_root=EMPTY_ROOT.hex())

    assert (report.ok, report.tree_size, report.root) == (True, 0, EMPTY_ROOT.hex())


def test_a_changed_record_is_named_though_later_roots_differ_too() -> None:
    log = three_batches()
    leaf = log.leaves[1]
    log.leaves[1] = replace(leaf, record=replace(record(2), fields=fields(2, "revoke")))

    assert named(log.check()) == (Finding.RECORD_CHANGED, "rec-2", 2, 1)
    assert "rec-2 (#2) was changed after it was logged" in str(log.check().problem)


def test_a_changed_record_whose_leaf_was_rewritten_too_breaks_the_signed_root() -> None:
    log = three_batches()
    changed = replace(record(3), fields=fields(3, "revoke"))
    changed = replace(changed, hash=record_leaf(changed.fields).hex())
    log.leaves[2] = Leaf(2, 3, changed.hash, changed)

    # The first checkpoint still matches; the damage is after it, from record #2 on.
    assert named(log.check()) == (Finding.HISTORY_REWRITTEN, "rec-2", 2, 1)


def test_a_record_deleted_from_the_middle_is_named() -> None:
    log = three_batches()
    log.leaves[1] = replace(log.leaves[1], record=None)

    assert named(log.check()) == (Finding.RECORD_DELETED, None, 2, 1)


def test_deleting_the_newest_records_is_named_from_the_first_gone() -> None:
    log = three_batches()
    log.leaves[2] = replace(log.leaves[2], record=None)
    log.leaves[3] = replace(log.leaves[3], record=None)

    report = log.check()
    assert named(report) == (Finding.NEWEST_DELETED, None, 3, 2)
    assert "newest records were deleted, from record #3 on" in str(report.problem)


def test_deleting_the_newest_records_with_their_leaves_is_caught_by_the_file() -> None:
    whole = three_batches()
    cut = Log().fold(record(1)).fold(record(2), record(3))

    report = cut.check(file=whole.checkpoints)

    assert named(report) == (Finding.NEWEST_DELETED, None, None, 3)
    assert "kept in the file, counts 4 records, but the tree holds 3" in str(report.problem)


def test_a_whole_new_history_signed_with_the_key_is_caught_by_the_file() -> None:
    kept = three_batches()
    fresh = Log().fold(record(1)).fold(record(2, "revoke"), record(3)).fold(record(4))

    report = fresh.check(file=kept.checkpoints)

    assert named(report) == (Finding.HISTORY_REWRITTEN, "rec-2", 2, 1)
    assert "kept in the file" in str(report.problem)


def test_a_new_history_without_the_key_has_forged_checkpoints() -> None:
    kept = three_batches()
    fresh = Log(key=b"not the service's key").fold(record(1, "revoke"), record(2))

    assert named(fresh.check(file=[])) == (Finding.CHECKPOINT_FORGED, None, None, None)
    assert named(fresh.check(file=kept.checkpoints))[0] == Finding.HISTORY_REWRITTEN


def test_a_signed_checkpoint_of_another_history_between_two_good_ones_is_caught() -> None:
    log = three_batches()
    other = Log().fold(record(1)).fold(record(2, "revoke"), record(3))
    database = [log.checkpoints[0], other.checkpoints[1], log.checkpoints[2]]

    assert named(log.check(database=database, file=[]))[0] == Finding.HISTORY_REWRITTEN


def test_a_record_neither_in_the_tree_nor_queued_was_added_behind_the_back() -> None:
    log = three_batches()

    report = log.check(waiting=[(record(5), False), (record(6), True)])

    assert named(report) == (Finding.RECORD_ADDED, "rec-5", 5, None)


def test_a_queued_record_changed_before_it_was_folded_is_named() -> None:
    changed = replace(record(5), fields=fields(5, "revoke"))

    report = three_batches().check(waiting=[(changed, True)])

    assert named(report) == (Finding.RECORD_CHANGED, "rec-5", 5, None)


def test_a_record_deleted_while_queued_is_named() -> None:
    assert named(three_batches().check(lost_from_queue=[5])) == (
        Finding.RECORD_DELETED,
        None,
        5,
        None,
    )


def test_the_file_must_hold_the_newest_checkpoint_once_the_grace_is_over() -> None:
    log = three_batches()
    data = LogInput(
        log.leaves, log.checkpoints, log.checkpoints[:-1], [], [], (4, log.root), log.root
    )

    assert check_log(KEY, data, T0 + timedelta(seconds=5)).ok
    late = check_log(KEY, replace(data, file=log.checkpoints[:-1]), LATER)
    assert named(late)[0] == Finding.NOT_KEPT_OUTSIDE


def test_a_file_that_starts_over_shows_a_rewritten_history() -> None:
    log = three_batches()

    report = log.check(file=[*log.checkpoints, log.checkpoints[0]])

    assert named(report)[0] == Finding.HISTORY_REWRITTEN
    assert "started over" in str(report.problem)


def test_a_leaf_missing_from_the_stored_tree_or_a_wrong_state_is_named() -> None:
    log = three_batches()
    gap = [leaf for leaf in log.leaves if leaf.index != 1]

    assert named(log.check(leaves=gap))[:1] == (Finding.TREE_DAMAGED,)
    assert named(log.check(state=(3, log.root)))[0] == Finding.TREE_DAMAGED
    assert named(log.check(edge_root=None))[0] == Finding.TREE_DAMAGED


def test_records_chained_before_the_tree_are_checked_by_their_chain_hash() -> None:
    first, second = fields(1), fields(2)
    one = StoredRecord("rec-1", 1, first, GENESIS, chain_hash(GENESIS, first))
    two = StoredRecord("rec-2", 2, second, one.hash, chain_hash(one.hash, second))
    log = Log().fold(one, two).fold(record(3))
    assert log.check().ok

    bent = replace(two, hash=chain_hash(GENESIS, second))
    log.leaves[1] = replace(log.leaves[1], record=bent)
    assert named(log.check()) == (Finding.RECORD_CHANGED, "rec-2", 2, 1)
