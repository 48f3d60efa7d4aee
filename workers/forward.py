"""The forward job: a customer's text that the service does not answer itself goes to the producer.

The queue of the number's latest ticket decides where: its `reply_webhook_url`. The request is
JSON, signed with HMAC-SHA256 under a key derived from NOTIFIER_SECRET_KEY (see
`signing_key`), over the timestamp and the body, so the producer can tell it is ours and fresh:

    X-Notifier-Timestamp: 1795881900
    X-Notifier-Signature: sha256=<hex of HMAC(key, timestamp + "." + body)>
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from notifier.models import InboundReply, Ticket
from notifier.phones import mask
from notifier.sending.dispatch import FORWARD
from notifier.sending.lifecycle import Priority
from notifier.services import Services
from notifier.work import JobCall
from workers.worker import services

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)
SIGNATURE_HEADER = "X-Notifier-Signature"
TIMESTAMP_HEADER = "X-Notifier-Timestamp"
# A producer that is busy or timed out may take it later; any other 4xx will not.
RETRYABLE = frozenset({408, 429})


def signing_key(secret_key: str) -> bytes:
    """The key that signs forwarded replies: derived, so the secret itself is never shared."""
    return hmac.new(secret_key.encode(), b"notifier reply webhook", hashlib.sha256).digest()


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp`."""
    mac = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def forward(inbound_id: str, attempt: int = 1) -> str:
    """POST one inbound text to its queue's reply webhook; retry later if the producer fails."""
    svc = services()
    found = _payload(svc, inbound_id)
    if found is None:
        return "nothing to forward"
    url, payload = found
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(svc.clock.now().timestamp()))
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header(TIMESTAMP_HEADER, timestamp)
    request.add_header(
        SIGNATURE_HEADER, signature(signing_key(svc.settings.secret_key), timestamp, body)
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            status = int(answer.status)
    except urllib.error.HTTPError as error:
        if error.code < 500 and error.code not in RETRYABLE:
            log.warning("the producer refused forwarded %s: HTTP %d", inbound_id, error.code)
            return f"refused: {error.code}"
        return _retry(svc, inbound_id, attempt, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError) as error:
        return _retry(svc, inbound_id, attempt, str(error))
    log.info("forwarded %s from %s: HTTP %d", inbound_id, mask(str(payload["from"])), status)
    return f"forwarded: {status}"


def _payload(svc: Services, inbound_id: str) -> tuple[str, dict[str, Any]] | None:
    """Where to send the text and what to say; None if erased or no webhook is set."""
    with svc.db.session() as session:
        row = session.get(InboundReply, inbound_id)
        if row is None or row.phone is None:
            return None  # erased since it arrived
        ticket = session.scalar(
            select(Ticket)
            .where(Ticket.subject == row.subject)
            .order_by(Ticket.joined_at.desc())
            .limit(1)
        )
        if ticket is None or not ticket.queue.reply_webhook_url:
            return None
        payload: dict[str, Any] = {
            "id": row.id,
            "message_sid": row.provider_sid,
            "queue_id": ticket.queue_id,
            "ticket_id": ticket.ticket_id,
            "from": row.phone,
            "to": row.to,
            "body": row.body,
            "received_at": row.received_at.isoformat(),
        }
        return ticket.queue.reply_webhook_url, payload


def _retry(svc: Services, inbound_id: str, attempt: int, why: str) -> str:
    """Try again later, a little later each time; give up after MAX_ATTEMPTS."""
    if attempt >= MAX_ATTEMPTS:
        log.warning("gave up forwarding %s after %d attempts: %s", inbound_id, attempt, why)
        return f"gave up: {why}"
    delay = RETRY_BASE * 2 ** (attempt - 1)
    svc.dispatcher.enqueue_job(JobCall(Priority.DEFAULT, FORWARD, (inbound_id, attempt + 1), delay))
    log.info("forwarding %s failed (%s); retrying in %s", inbound_id, why, delay)
    return f"retrying: {why}"
