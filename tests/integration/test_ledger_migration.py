"""Migration 0002 turns a hash-chained ledger into the first leaves of the tree, and back."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command

from consent.ledger import GENESIS, chain_hash
from notifier.compliance import ledger, ledger_check, proofs
from notifier.compliance.sequencer import sequence
from notifier.migrate import alembic_config, upgrade
from notifier.models import ConsentRecord
from notifier.models_ledger import LedgerLeaf
from notifier.services import Services
from tests.tamper import tamper

PHONES = ("+13055550142", "+37251234567", "+8613800138000")


def chain_the_old_way(svc: Services) -> list[str]:
    """Three records appended as revision 0001 did: each chained to the one before."""
    head, ids = GENESIS, []
    with svc.db.session() as session:
        for seq, phone in enumerate(PHONES, start=1):
            row = ConsentRecord(
                id=f"cr_old{seq}",
                seq=seq,
                subject=svc.pseudonymize(phone),
                purposes=["queue_updates"],
                action="grant",
                method="kiosk",
                disclosure_text="Text me about my place in line.",
                captured_at=svc.clock.now() - timedelta(minutes=seq),
                recorded_at=svc.clock.now() - timedelta(minutes=seq),
                evidence={"location": "desk-1"},
                source="key:kiosk",
                jurisdiction="US",
                prev_hash=head,
                hash="",
            )
            row.hash = chain_hash(head, ledger.hashed_fields(row))
            session.add(row)
            head = row.hash
            ids.append(row.id)
        session.execute(sa.text("UPDATE ledger_head SET seq = 3, hash = :h"), {"h": head})
    return ids


def test_existing_chains_become_the_first_leaves_in_their_order(
    svc: Services, database_url: str
) -> None:
    command.downgrade(alembic_config(database_url), "0001")
    old = chain_the_old_way(svc)

    upgrade(database_url)
    assert sequence(svc.notary) == 3
    new = _append(svc, PHONES[0], "revoke")
    sequence(svc.notary)

    with svc.db.session() as session:
        order = list(session.scalars(sa.select(LedgerLeaf.seq).order_by(LedgerLeaf.leaf_index)))
    assert order == [1, 2, 3, 4] and new.seq == 4
    report = ledger_check.verify(svc.notary)
    assert (report.ok, report.records, report.tree_size) == (True, 4, 4)
    assert proofs.inclusion(svc.notary, old[0]).leaf_index == 0

    tamper(svc.db.engine, "UPDATE consent_records SET method = 'paper' WHERE seq = 2")
    broken = ledger_check.verify(svc.notary)
    assert (broken.finding, broken.first_bad_record) == ("record_changed", old[1])


def test_going_back_chains_the_records_appended_under_the_tree(
    svc: Services, database_url: str
) -> None:
    command.downgrade(alembic_config(database_url), "0001")
    chain_the_old_way(svc)
    upgrade(database_url)
    _append(svc, PHONES[1])

    command.downgrade(alembic_config(database_url), "0001")

    with svc.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT seq, prev_hash, hash FROM consent_records ORDER BY seq")
        )
        links = [tuple(r) for r in rows]
        head = tuple(conn.execute(sa.text("SELECT seq, hash FROM ledger_head")).one())
    assert [seq for seq, _, _ in links] == [1, 2, 3, 4]
    assert [prev for _, prev, _ in links[1:]] == [digest for _, _, digest in links[:-1]]
    assert head == (4, links[-1][2])
    with svc.db.session() as session:
        fourth = session.scalars(sa.select(ConsentRecord).where(ConsentRecord.seq == 4)).one()
        assert fourth.hash == chain_hash(links[2][2], ledger.hashed_fields(fourth))

    upgrade(database_url)
    sequence(svc.notary)
    assert ledger_check.verify(svc.notary).ok


def _append(svc: Services, phone: str, action: str = "grant") -> ConsentRecord:
    record = ledger.NewRecord(phone, ("queue_updates",), action, "kiosk", "key:kiosk")
    with svc.db.session() as session:
        return ledger.append(session, svc.pseudonymize, record, svc.clock.now())
