"""What the fan-out jobs share: batch size, recording a decision, who cannot be texted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.policy import Decision
from notifier.models import Fanout, Message, Queue, Suppression
from notifier.sending.decide import Draft, record
from notifier.services import Services

# Recipients decided per transaction and enqueued per pipelined round trip.
BATCH = 500


def record_for(
    session: Session,
    svc: Services,
    fanout: Fanout,
    queue: Queue,
    draft: Draft,
    decision: Decision,
    now: datetime,
) -> Message:
    """Record a fan-out's decision about one recipient."""
    return record(
        session,
        svc,
        draft,
        decision,
        now,
        queue=queue,
        event_pk=fanout.event_pk,
        fanout_id=fanout.id,
    )


def unreachable_among(session: Session, subjects: list[str]) -> set[str]:
    """Those of `subjects` the carrier said cannot be texted."""
    return set(
        session.scalars(select(Suppression.subject).where(Suppression.subject.in_(subjects)))
    )
