"""Answering a customer's text: what one inbound text is handled with, and how answers are made.

Every answer is an outbound message decided and recorded through the outbox and sent by the
worker, never TwiML: so everything sent to a number is in the message log, with its decision,
and an opt-out confirmation goes on the priority queue like any other urgent text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from consent.keywords import Reply
from notifier import compose, texts
from notifier.models import InboundReply, Message, Queue, Ticket
from notifier.outbox import SERVICE, Draft, consent_decision, record
from notifier.services import Services

# Signs the texts to a number that no queue knows yet.
FALLBACK_BRAND = "Notifications"
# The kinds of the messages that answer a customer.
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
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
class Turn:
    """What handling one inbound text works with, and what it leaves to do after the commit."""

    session: Session
    svc: Services
    inbound: Inbound
    row: InboundReply
    reply: Reply
    now: datetime
    ticket: Ticket | None
    queue: Queue | None
    messages: list[Message] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        """The number's pseudonym."""
        return self.row.subject

    @property
    def twilio_answered(self) -> bool:
        """Twilio's Advanced Opt-Out answered this text already: we must not answer again."""
        return bool(self.inbound.opt_out_type)


def answer(turn: Turn, kind: str, body: str, priority: str = "default") -> None:
    """Decide and record one answer to the customer, from the number they wrote to."""
    sender = turn.inbound.to if turn.inbound.to.startswith("+") else None
    draft = Draft(
        turn.inbound.phone, turn.subject, SERVICE, kind, locale(turn), body, priority, None, sender
    )
    decision = consent_decision(turn.session, turn.svc, draft, turn.now)
    message = record(
        turn.session, turn.svc, draft, decision, turn.now, queue=turn.queue, event_pk=None
    )
    turn.messages.append(message)


def locale(turn: Turn) -> str:
    """A keyword's own language first ("BAJA" is Spanish), then the ticket's, the queue's."""
    keyword = turn.reply.language
    return texts.pick_locale(
        keyword if keyword != "en" else None,
        turn.ticket.locale if turn.ticket else None,
        turn.queue.locale if turn.queue else None,
        keyword,
    )


def brand(turn: Turn) -> texts.Brand:
    """Who signs the answer: the queue of the number's latest ticket, else a plain name; the
    contact is the queue's, else the configured SUPPORT_CONTACT."""
    support = turn.svc.settings.support_contact
    if turn.queue is None:
        return texts.Brand(FALLBACK_BRAND, support, ZoneInfo("UTC"))
    found = compose.brand(turn.queue)
    return found if found.contact else replace(found, contact=support)
