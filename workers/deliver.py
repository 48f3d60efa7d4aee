"""The deliver job: one text, sent if it still may and should go (`notifier.sending.courier`)."""

from __future__ import annotations

from collections import Counter

from notifier.events.tickets import staleness
from notifier.sending import courier as couriers
from notifier.sending.courier import Courier
from notifier.services import Services
from workers.worker import services


def courier(svc: Services) -> Courier:
    """What the worker's services lend to carrying texts out."""
    callback = svc.settings.status_callback_url if svc.provider.name == "twilio" else None
    return Courier(svc.work, svc.provider, svc.pacer, callback, staleness)


def deliver(message_id: str) -> str:
    """Send one decided text if it still may and should go; answer what happened."""
    return couriers.deliver(courier(services()), message_id)


def deliver_many(message_ids: list[str]) -> str:
    """Send a batch of decided texts, each if it still may and should go; sum up what happened."""
    outcome = couriers.deliver_many(courier(services()), message_ids)
    counts = Counter(verdict.split(":")[0] for verdict in outcome.values())
    return ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items()))
