"""`POST /v1/events`: wait and delay events from producers."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from notifier.api.reading import refuse_nul
from notifier.api.routing import caller, route
from notifier.errors import invalid
from notifier.events import accept
from notifier.events.answers import EventAccepted
from notifier.events.schemas import EventIn
from notifier.schemas import Problem
from notifier.services import current as services

bp = Blueprint("events", __name__)
MAX_IDEMPOTENCY_KEY = 200


@route(
    bp,
    "/v1/events",
    method="POST",
    summary="Post a wait or delay event",
    scope="events:write",
    body=EventIn,
    responses={
        202: ("Accepted, with the decision for each text", EventAccepted),
        200: ("A duplicate: the first answer again", EventAccepted),
        400: ("Not JSON", Problem),
        401: ("No valid API key", Problem),
        403: ("The key lacks the scope", Problem),
        422: ("Invalid event", Problem),
    },
)
def post_event(body: EventIn) -> Response:
    """Accept an event once; answer the decision for each text it causes."""
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        raise invalid("Idempotency-Key", f"must be at most {MAX_IDEMPOTENCY_KEY} characters")
    refuse_nul({"Idempotency-Key": key})
    status, answer = accept.accept(services().work, caller(), body, key)
    # Per-ticket events answer `notifications`, queue-wide ones `recipients`: never both.
    fields = {k: v for k, v in answer.model_dump(mode="json").items() if v is not None}
    return Response(json.dumps(fields), status=status, mimetype="application/json")
