"""`/v1/queues/{queue_id}`: a queue's settings."""

from __future__ import annotations

from flask import Blueprint, Response

from notifier.api.queue_models import QueueOut, QueueSettings
from notifier.api.routing import json_response, route
from notifier.errors import NotFoundError, invalid
from notifier.inbound import destinations
from notifier.models import Queue
from notifier.schemas import Identifier, Problem
from notifier.senders import takes_replies
from notifier.services import current as services

bp = Blueprint("queues", __name__)
ERRORS = {401: ("No valid API key", Problem), 403: ("The key lacks the scope", Problem)}


def queue_out(queue: Queue) -> QueueOut:
    """A queue row as the API shows it."""
    return QueueOut.model_validate(queue, from_attributes=True, strict=False)


@route(
    bp,
    "/v1/queues/<queue_id>",
    method="PUT",
    summary="Create or replace a queue",
    scope="queues:write",
    params={"queue_id": Identifier},
    body=QueueSettings,
    responses={
        200: ("Replaced", QueueOut),
        201: ("Created", QueueOut),
        422: ("Invalid settings", Problem),
        **ERRORS,
    },
)
def put_queue(queue_id: str, body: QueueSettings) -> Response:
    """Create the queue, or replace all its settings."""
    if not takes_replies(body.sender) and not body.contact:
        # Its texts must say how else to opt out, and the contact is that way.
        raise invalid("contact", "is required with an alphanumeric sender (it cannot get replies)")
    svc = services()
    _check_webhook(body, svc.settings.reply_webhook_allow_localhost)
    now = svc.clock.now()
    settings = body.model_dump(mode="json")
    with svc.db.session() as session:
        queue = session.get(Queue, queue_id)
        created = queue is None
        if queue is None:
            queue = Queue(id=queue_id, created_at=now)
            session.add(queue)
        for name, value in settings.items():
            setattr(queue, name, value)
        queue.updated_at = now
        session.flush()
        answer = queue_out(queue)
    return json_response(answer, 201 if created else 200)


def _check_webhook(body: QueueSettings, allow_localhost: bool) -> None:
    """422 unless the reply webhook, if any, is a public https address."""
    if body.reply_webhook_url is not None:
        why = destinations.refusal(str(body.reply_webhook_url), allow_localhost=allow_localhost)
        if why is not None:
            raise invalid("reply_webhook_url", why)


@route(
    bp,
    "/v1/queues/<queue_id>",
    method="GET",
    summary="A queue's settings",
    scope="queues:write",
    params={"queue_id": Identifier},
    responses={200: ("The queue", QueueOut), 404: ("No such queue", Problem), **ERRORS},
)
def get_queue(queue_id: str) -> Response:
    """The queue's settings as stored."""
    with services().db.session() as session:
        queue = session.get(Queue, queue_id)
        if queue is None:
            raise NotFoundError(f"no queue {queue_id!r}")
        return json_response(queue_out(queue))
