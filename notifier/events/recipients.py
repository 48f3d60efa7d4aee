"""What the event handlers share: batch size, recording decisions in bulk."""

from __future__ import annotations

from typing import Any

from consent.policy import Decision
from notifier.models import Fanout, Queue
from notifier.sending import lifecycle
from notifier.sending.decide import Draft, decided_row
from notifier.work import Work

# Recipients decided per transaction and enqueued per pipelined round trip.
BATCH = 500


def row_for(
    work: Work, fanout: Fanout, queue: Queue, draft: Draft, decision: Decision
) -> dict[str, Any]:
    """The message row of a fan-out's decision about one recipient."""
    return decided_row(work, draft, decision, queue, fanout.event_pk, fanout.id)


def keep(work: Work, rows: list[dict[str, Any]]) -> None:
    """Give a batch of decided rows their first status; they are inserted at the commit."""
    work.decided_rows(rows, lifecycle.start_rows(rows, work.now))
