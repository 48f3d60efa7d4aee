"""The ledger check job: verify the whole ledger against its tree and checkpoints."""

from __future__ import annotations

from rq import get_current_job

from notifier.compliance import ledger_check, verifications
from workers.worker import services


def run(check_id: str) -> str:
    """Run one requested check of the ledger; safe to run twice (the second does nothing)."""
    svc = services()
    job = get_current_job()
    if not verifications.start(svc.db, svc.clock, check_id, job.id if job else None):
        return "not waiting to run"
    try:
        result = ledger_check.verify(svc.notary)
    except Exception as error:
        verifications.fail(svc.db, svc.clock, check_id, f"the check stopped: {error}")
        raise
    verifications.finish(svc.db, svc.clock, check_id, result)
    return "ok" if result.ok else f"broken at record {result.first_bad_seq}"
