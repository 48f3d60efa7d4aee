"""Events and replies built with the service's own models, for tests that call the domain.

The bodies go through the same pydantic models as `POST /v1/events`, as JSON text the way the
API reads it, so a test cannot hand the rules an event the API would have refused.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from notifier.events.schemas import TicketCalled, TicketClosed, TicketJoined, TicketUpdated
from notifier.inbound.respond import Inbound
from tests.conftest import SENDER, START, joined

M = TypeVar("M", bound=BaseModel)


def joined_event(
    event_id: str, ticket: str, phone: str, *, at: datetime = START, **fields: Any
) -> TicketJoined:
    """`ticket.joined`, with a kiosk opt-in unless `consent=False` (see `tests.conftest.joined`)."""
    body = joined(event_id, ticket, phone, **fields)
    body["occurred_at"] = at.isoformat()
    return _parse(TicketJoined, body)


def updated_event(
    event_id: str,
    ticket: str,
    *,
    position: int | None = None,
    eta: int | None = None,
    at: datetime = START,
    queue: str = "desk",
) -> TicketUpdated:
    """`ticket.updated` with a new place and/or estimate."""
    fields = {"id": ticket, "position": position, "eta_minutes": eta}
    return _parse(
        TicketUpdated, {**_envelope("ticket.updated", event_id, at, queue), "ticket": fields}
    )


def called_event(
    event_id: str, ticket: str, *, counter: str = "3", at: datetime = START, queue: str = "desk"
) -> TicketCalled:
    """`ticket.called` to a counter."""
    ticket_fields = {"id": ticket, "counter": counter}
    return _parse(
        TicketCalled, {**_envelope("ticket.called", event_id, at, queue), "ticket": ticket_fields}
    )


def closed_event(
    event_id: str, ticket: str, *, reason: str = "served", at: datetime = START, queue: str = "desk"
) -> TicketClosed:
    """`ticket.closed` for `reason`."""
    ticket_fields = {"id": ticket, "reason": reason}
    return _parse(
        TicketClosed, {**_envelope("ticket.closed", event_id, at, queue), "ticket": ticket_fields}
    )


def text_from(phone: str, body: str, sid: str, *, opt_out_type: str | None = None) -> Inbound:
    """A customer's text to the service's number, as Twilio's webhook reports it."""
    return Inbound(sid, phone, SENDER, body, opt_out_type)


def _parse(model: type[M], body: dict[str, Any]) -> M:
    """Validate `body` as the API does: JSON text, strictly."""
    return model.model_validate_json(json.dumps(body), strict=True)


def _envelope(kind: str, event_id: str, at: datetime, queue: str) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "occurred_at": at.isoformat(), "queue_id": queue}
