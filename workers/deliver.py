"""The deliver job: one text, sent if it still may and should go (`notifier.sending.courier`)."""

from __future__ import annotations

from notifier.events.tickets import staleness
from notifier.sending.courier import Courier
from notifier.sending.courier import deliver as deliver_one
from notifier.services import Services
from workers.worker import services


def courier(svc: Services) -> Courier:
    """What the worker's services lend to carrying texts out."""
    callback = svc.settings.status_callback_url if svc.provider.name == "twilio" else None
    return Courier(svc.work, svc.provider, svc.pacer, callback, staleness)


def deliver(message_id: str) -> str:
    """Send one decided text if it still may and should go; answer what happened."""
    return deliver_one(courier(services()), message_id)
