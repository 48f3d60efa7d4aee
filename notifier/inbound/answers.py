"""Answering a customer's text: what one inbound text is handled with, and how answers are made.

Every answer is an outbound message decided and recorded like any other and sent by the
worker, never TwiML: so everything sent to a number is in the message log, with its decision,
and an opt-out confirmation goes on the priority queue like any other urgent text.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consent.keywords import Reply
from notifier.models import InboundReply, Queue, Ticket
from notifier.sending.decide import OPT_OUT_CONFIRMATION as OPT_OUT_CONFIRMATION
from notifier.sending.decide import SERVICE, Draft, consent_decision, record
from notifier.sending.lifecycle import Priority
from notifier.texts import catalog, compose
from notifier.work import Work

# Signs the texts to a number that no queue knows yet.
FALLBACK_BRAND = "Notifications"
# The kinds of the messages that answer a customer (and OPT_OUT_CONFIRMATION, which the
# decision rules own: no later opt-out stops it).
OPT_IN_CONFIRMATION = "opt_in_confirmation"
HELP = "help"
STATUS = "status"
ACK = "reply_ack"


@dataclass(frozen=True)
class Inbound:
    """One text a customer sent, as Twilio's webhook tells it; `phone` is E.164."""

    message_sid: str
    phone: str
    to: str
    body: str
    opt_out_type: str | None = None


@dataclass
class Received:
    """One inbound text being handled, and the ticket and queue it is taken to concern."""

    inbound: Inbound
    row: InboundReply
    reading: Reply
    ticket: Ticket | None
    queue: Queue | None

    @property
    def subject(self) -> str:
        """The number's pseudonym."""
        return self.row.subject

    @property
    def twilio_answered(self) -> bool:
        """Twilio's Advanced Opt-Out answered this text already: we must not answer again."""
        return bool(self.inbound.opt_out_type)


def answer(
    work: Work, got: Received, kind: str, body: str, priority: str = Priority.DEFAULT
) -> None:
    """Decide and record one answer to the customer, from the number they wrote to."""
    sender = got.inbound.to if got.inbound.to.startswith("+") else None
    draft = Draft(
        got.inbound.phone, got.subject, SERVICE, kind, locale(got), body, priority, None, sender
    )
    decision = consent_decision(work.session, draft, work.now)
    record(work, draft, decision, queue=got.queue, event_pk=None)


def locale(got: Received) -> str:
    """A keyword's own language first ("BAJA" is Spanish), then the ticket's, the queue's."""
    keyword = got.reading.language
    return catalog.pick_locale(
        keyword if keyword != "en" else None,
        got.ticket.locale if got.ticket else None,
        got.queue.locale if got.queue else None,
        keyword,
    )


def brand(got: Received) -> catalog.Brand:
    """Who signs the answer: the queue of the number's latest ticket, else a plain name."""
    if got.queue is None:
        return catalog.Brand(FALLBACK_BRAND, None, ZoneInfo("UTC"))
    return compose.brand(got.queue)
