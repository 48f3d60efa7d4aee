"""A producer of the service's HTTP API: keys, queues and events, as other systems post them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import requests

from bench.stack import Stack

QUEUE_TIMEZONE = "America/New_York"
DISCLOSURE = {
    "text": "Text me about my place in line. Reply STOP to opt out.",
    "version": "bench-1",
    "language": "en",
}


def phone(base: int, n: int) -> str:
    """A valid Miami number, `n` places after `base` (a 7-digit local number)."""
    return f"+1305{base + n:07d}"


def create_key(stack: Stack, env: dict[str, str], name: str) -> str:
    """An admin key made with the service's own CLI (`flask --app wsgi keys create`)."""
    printed = stack.run(f"flask --app wsgi keys create {name} --scopes admin", env)
    return printed.strip().splitlines()[-1]


def joined(
    event_id: str, ticket_id: str, number: str, queue_id: str, *, position: int = 4
) -> dict[str, Any]:
    """A `ticket.joined` event with the kiosk opt-in the producer captured."""
    now = datetime.now(UTC).isoformat()
    return {
        "id": event_id,
        "type": "ticket.joined",
        "occurred_at": now,
        "queue_id": queue_id,
        "ticket": {"id": ticket_id, "phone": number, "position": position, "eta_minutes": 25},
        "consent": {
            "purposes": ["queue_updates"],
            "action": "grant",
            "method": "kiosk",
            "captured_at": now,
            "disclosure": DISCLOSURE,
        },
    }


class Producer:
    """Calls the live service with a bearer key."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key
        self._local = threading.local()

    def call(self, method: str, path: str, body: Any) -> requests.Response:
        """One request; a session per thread keeps its connection."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session.request(
            method,
            self.base_url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=60,
        )

    def put_queue(self, queue_id: str, **settings: Any) -> None:
        """Create or replace a queue."""
        body = {"name": "Bench desk", "timezone": QUEUE_TIMEZONE, "brand": "Acme", **settings}
        answer = self.call("PUT", f"/v1/queues/{queue_id}", body)
        if answer.status_code >= 300:
            raise RuntimeError(f"PUT /v1/queues/{queue_id}: {answer.status_code} {answer.text}")

    def post_event(self, body: dict[str, Any]) -> dict[str, Any]:
        """Post one event; fail unless it is accepted."""
        answer = self.call("POST", "/v1/events", body)
        if answer.status_code != 202:
            raise RuntimeError(f"POST /v1/events: {answer.status_code} {answer.text}")
        accepted: dict[str, Any] = answer.json()
        return accepted

    def post_events(self, bodies: Sequence[dict[str, Any]], concurrency: int = 8) -> int:
        """Post events from several threads; answer how many texts were queued."""
        with ThreadPoolExecutor(concurrency) as pool:
            answers = list(pool.map(self.post_event, bodies))
        return sum(_queued(a.get("notifications") or []) for a in answers)


def _queued(notifications: Iterable[dict[str, Any]]) -> int:
    return sum(1 for n in notifications if n["decision"] == "queued")
