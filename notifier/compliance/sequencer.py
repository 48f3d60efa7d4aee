"""The sequencer: folds newly appended ledger records into the Merkle tree and signs checkpoints.

Appends never wait for each other: each record takes a number from a sequence and, in the
same transaction, a row in `ledger_pending`, the sequencer's queue (as Trillian's
"unsequenced" table). Numbers are not given in commit order: a record numbered 10 may commit
after 11, and a rolled-back append leaves a gap. So the sequencer never folds "every record
numbered above the last one folded" (that would skip 10 for good, and wait forever on a gap).
It folds what is in the queue: a queued row is visible exactly when its record has committed,
whatever its number, and a gap never enters the queue. Under a lock on the one `ledger_tree`
row, in one transaction per batch, it takes the oldest queued records in number order, gives
them the next leaf positions, stores the leaves and the completed subtrees, empties those
queue rows, and signs a checkpoint of the new size and root. A record that commits late with
a lower number is folded in the next batch, at a later position: positions follow the fold,
and every leaf names its record's number, so nothing is skipped and nothing is folded twice.
The lock is taken only by sequencers, so several (the relay, a test, an operator) may run.

After each fold the checkpoints are appended to the file outside the database (see
`notifier.compliance.checkpoints`), under the same lock, so the file stays in size order; a
checkpoint the file missed (a crash between the commit and the write) is written on the next run.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consent.checkpoints import sign
from notifier.compliance import checkpoints
from notifier.compliance.checkpoints import Notary
from notifier.compliance.tree import TreeDamagedError, fold_in
from notifier.models import ConsentRecord
from notifier.models_ledger import LedgerCheckpoint, LedgerPending, LedgerTree

log = logging.getLogger(__name__)

TREE_ID = 1
BATCH = 2000
# A call folds at most this many batches, so that a long backlog (a migrated ledger) does
# not hold up the relay's other work; the next call goes on.
MAX_BATCHES = 25


def sequence(notary: Notary) -> int:
    """Fold the waiting records into the tree, a signed checkpoint per batch; answer how many."""
    key = notary.key
    folded = 0
    try:
        for _ in range(MAX_BATCHES):
            with notary.db.session() as session:
                added = _fold_batch(session, key, notary)
            folded += added
            if added < BATCH:
                break
    except (TreeDamagedError, IntegrityError) as error:
        # Someone changed the stored tree; the relay's other work must go on regardless.
        log.error("the ledger's tree cannot grow until it is repaired: %s", error)
    try:
        keep_outside(notary)
    except OSError as error:
        # The relay must go on; the file is caught up on the next run, and until then
        # /v1/audit/verify says that it is behind.
        log.error("could not write the ledger's checkpoints outside the database: %s", error)
    return folded


def _fold_batch(session: Session, key: bytes, notary: Notary) -> int:
    tree = _locked_tree(session)
    rows = list(
        session.scalars(
            select(ConsentRecord)
            .join(LedgerPending, LedgerPending.seq == ConsentRecord.seq)
            .order_by(ConsentRecord.seq)
            .limit(BATCH)
        )
    )
    if not rows:
        return 0
    tree.size, tree.root = fold_in(session, tree.size, rows)
    session.execute(delete(LedgerPending).where(LedgerPending.seq.in_([r.seq for r in rows])))
    session.add(checkpoints.to_row(sign(key, tree.size, tree.root, notary.clock.now())))
    log.info("folded %d ledger records; the tree holds %d", len(rows), tree.size)
    return len(rows)


def keep_outside(notary: Notary) -> int:
    """Append to the file every checkpoint the database has beyond the file's last one."""
    path = notary.file
    written = 0
    with notary.db.session() as session:
        _locked_tree(session)  # one writer of the file at a time, in size order
        last = checkpoints.last_in_file(path)
        while True:
            rows = session.scalars(
                select(LedgerCheckpoint)
                .where(LedgerCheckpoint.tree_size > last)
                .order_by(LedgerCheckpoint.tree_size)
                .limit(checkpoints.BATCH)
            ).all()
            if not rows:
                return written
            checkpoints.append_to_file(path, [checkpoints.from_row(row) for row in rows])
            written += len(rows)
            last = rows[-1].tree_size


def _locked_tree(session: Session) -> LedgerTree:
    return session.execute(
        select(LedgerTree).where(LedgerTree.id == TREE_ID).with_for_update()
    ).scalar_one()
