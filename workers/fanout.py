"""The fan-out job: one queue-wide event decided recipient by recipient (`notifier.events`)."""

from __future__ import annotations

from notifier.events import fanouts
from workers.worker import services


def run(fanout_id: str) -> str:
    """Decide every recipient of a fan-out and enqueue their texts."""
    decided = fanouts.run(services().work, fanout_id)
    return "nothing to do" if decided is None else f"decided {decided}"
