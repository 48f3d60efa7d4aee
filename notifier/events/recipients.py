"""What the fan-outs share: batch size, recording a decision, who cannot be texted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.policy import Decision
from notifier.models import Fanout, Message, Queue, Suppression
from notifier.sending.decide import Draft, record
from notifier.work import Work

# Recipients decided per transaction and enqueued per pipelined round trip.
BATCH = 500


def record_for(
    work: Work, fanout: Fanout, queue: Queue, draft: Draft, decision: Decision
) -> Message:
    """Record a fan-out's decision about one recipient."""
    return record(work, draft, decision, queue=queue, event_pk=fanout.event_pk, fanout_id=fanout.id)


def unreachable_among(session: Session, subjects: list[str]) -> set[str]:
    """Those of `subjects` the carrier said cannot be texted."""
    return set(
        session.scalars(select(Suppression.subject).where(Suppression.subject.in_(subjects)))
    )
