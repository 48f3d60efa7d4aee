"""Opt-out confirmations as the courier sees them: the one text allowed after an opt-out."""

from __future__ import annotations

from datetime import datetime

from consent.confirmation import window_passed
from notifier.models import Message

# The kind of the message that confirms an opt-out.
OPT_OUT_CONFIRMATION = "opt_out_confirmation"


def too_late(message: Message, now: datetime) -> bool:
    """Whether `message` confirms an opt-out whose five minutes have passed by `now`.

    A confirmation is decided in the same transaction that receives the reply, so its
    `created_at` is the moment the reply came in.
    """
    return message.kind == OPT_OUT_CONFIRMATION and window_passed(message.created_at, now)
