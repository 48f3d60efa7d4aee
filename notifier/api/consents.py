"""`/v1/consents`: the consent ledger, one record at a time."""

from __future__ import annotations

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from consent.jurisdiction import jurisdiction
from consent.records import current_state, opted_out
from notifier.api.routing import caller, json_response, route
from notifier.compliance import ledger
from notifier.compliance.exports import consent_record_out, purpose_states
from notifier.errors import invalid
from notifier.models import Queue, Subject
from notifier.phones import region_for_timezone, to_e164
from notifier.schemas import (
    ConsentRecordOut,
    ConsentRequest,
    ConsentStatusOut,
    Identifier,
    PhoneText,
    Problem,
)
from notifier.services import current as services

bp = Blueprint("consents", __name__)
ERRORS = {401: ("No valid API key", Problem), 403: ("The key lacks the scope", Problem)}


class RegionQuery(BaseModel):
    """Where a number without a country code is read."""

    model_config = ConfigDict(extra="forbid")

    queue_id: Identifier | None = Field(
        None, description="Read a number without a country code in this queue's region"
    )


@route(
    bp,
    "/v1/consents",
    method="POST",
    summary="Append a consent record",
    scope="consent:write",
    body=ConsentRequest,
    responses={
        201: ("The record as appended", ConsentRecordOut),
        422: ("Invalid or unprovable record", Problem),
        **ERRORS,
    },
)
def post_consent(body: ConsentRequest) -> Response:
    """Append one grant or revocation to the ledger."""
    phone = to_e164(body.phone, default_region=queue_region(body.queue_id), field="phone")
    new = ledger.producer_record(body, phone, f"key:{caller().name}")
    svc = services()
    with svc.db.session() as session:
        row = ledger.append(session, svc.pseudonymize, new, svc.clock.now())
        answer = consent_record_out(row, phone)
    return json_response(answer, 201)


@route(
    bp,
    "/v1/consents/<path:phone>",
    method="GET",
    summary="A number's consent state",
    scope="audit:read",
    params={"phone": PhoneText},
    query=RegionQuery,
    responses={
        200: ("State per purpose and full history", ConsentStatusOut),
        422: ("Not a phone number", Problem),
        **ERRORS,
    },
)
def get_consent(phone: str, query: RegionQuery) -> Response:
    """The current state per purpose, and every record about the number."""
    e164 = to_e164(phone, default_region=queue_region(query.queue_id), field="phone")
    svc = services()
    subject = svc.pseudonymize(e164)
    with svc.db.session() as session:
        rows = ledger.records_of(session, subject)
        known = session.get(Subject, subject)
        facts = [ledger.to_fact(r) for r in rows]
        state = current_state(facts)
        answer = ConsentStatusOut(
            phone=e164,
            jurisdiction=jurisdiction(e164),
            suppressed=opted_out(facts) or ledger.is_unreachable(session, subject),
            purposes=purpose_states(state),
            history=[consent_record_out(r, known.phone if known else None) for r in rows],
        )
    return json_response(answer)


def queue_region(queue_id: str | None) -> str | None:
    """The region numbers without a country code are read in: the queue's, as for events."""
    if not queue_id:
        return None
    with services().db.session() as session:
        queue = session.get(Queue, queue_id)
        if queue is None:
            raise invalid("queue_id", f"unknown queue {queue_id!r}")
        return region_for_timezone(queue.timezone)
