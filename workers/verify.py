"""The ledger check job: verify the whole chain, reporting progress as it goes."""

from __future__ import annotations

from rq import get_current_job
from rq.job import Job

from notifier import audit, verifications
from notifier.services import current


def run(check_id: str) -> str:
    """Run one requested check of the ledger; safe to run twice (the second does nothing)."""
    svc = current()
    job = get_current_job()
    if not verifications.start(svc, check_id, job.id if job else None):
        return "not waiting to run"
    try:
        result = audit.verify(svc, progress=lambda checked: _report(job, checked))
    except Exception as error:
        verifications.fail(svc, check_id, f"the check stopped: {error}")
        raise
    verifications.finish(svc, check_id, result)
    return "ok" if result.ok else f"broken at record {result.first_bad_seq}"


def _report(job: Job | None, checked: int) -> None:
    if job is not None:
        job.meta[verifications.PROGRESS_KEY] = checked
        job.save_meta()  # type: ignore[no-untyped-call]
