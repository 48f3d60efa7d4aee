"""The soak's traffic: customers who join a queue, move up, are called and leave; some of whom
text the service; and Twilio's status callbacks for the texts they receive (some sent twice).

One `Traffic` per thread, each with customers of its own, so the threads share nothing but
the service under test and their counts, merged at the end.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from tests.fakes.twilio import FakeTwilio

SENDER = "+15005550006"
REPLIES = ("STOP", "START", "STATUS", "HELP", "what time do you close?")
TIMEOUT_SECONDS = 10.0


@dataclass
class Counts:
    """What the traffic did and how the service answered."""

    sent: Counter[str] = field(default_factory=Counter)  # by action
    answers: Counter[str] = field(default_factory=Counter)  # by action and status code
    queued: list[str] = field(default_factory=list)  # ids of texts accepted events queued
    latencies: list[float] = field(default_factory=list)  # of accepted events, seconds

    def merge(self, other: Counts) -> None:
        """Add another thread's counts to these."""
        self.sent.update(other.sent)
        self.answers.update(other.answers)
        self.queued.extend(other.queued)
        self.latencies.extend(other.latencies)


@dataclass
class Ticket:
    """A customer's ticket, as the producer sees it."""

    number: int
    phone: str
    position: int
    state: str = "waiting"


class Traffic:
    """One thread's customers, driven at random against the live service."""

    def __init__(self, base_url: str, key: str, twilio: FakeTwilio, lane: int) -> None:
        self.base_url, self.twilio, self.lane = base_url, twilio, lane
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {key}"
        self.random = random.Random(lane)
        self.tickets: list[Ticket] = []
        self.joined = 0
        self.counts = Counts()

    def run(self, until: float, per_second: float) -> Counts:
        """Act `per_second` times a second until the monotonic clock reaches `until`."""
        while time.monotonic() < until:
            started = time.monotonic()
            self.step()
            time.sleep(max(0.0, 1 / per_second - (time.monotonic() - started)))
        self.http.close()
        return self.counts

    def step(self) -> None:
        """One action, weighted as a busy service desk's day would be."""
        waiting = [t for t in self.tickets if t.state == "waiting"]
        called = [t for t in self.tickets if t.state == "called"]
        roll = self.random.random()
        if roll < 0.35 or not waiting:
            self.join()
        elif roll < 0.60:
            self.move_up(self.random.choice(waiting))
        elif roll < 0.75:
            self.call(self.random.choice(waiting))
        elif roll < 0.85 and called:
            self.close(self.random.choice(called))
        elif roll < 0.93:
            self.reply(self.random.choice(self.tickets))
        else:
            self.callback()

    def join(self) -> None:
        """A new customer takes a ticket, with a kiosk opt-in."""
        self.joined += 1
        # Lanes 2, 3, 4...: numbers of one lane are +1 305 L00 nnnn, apart from the others'.
        ticket = Ticket(self.joined, f"+1305{self.lane}{self.joined % 1_000_000:06d}", 12)
        consent = {
            "purposes": ["queue_updates"],
            "action": "grant",
            "method": "kiosk",
            "captured_at": _now(),
            "disclosure": {"text": "Text me about my place in line.", "version": "kiosk-3"},
        }
        fields = {"phone": ticket.phone, "position": ticket.position, "eta_minutes": 30}
        if self.event("ticket.joined", ticket, consent=consent, **fields):
            self.tickets.append(ticket)

    def move_up(self, ticket: Ticket) -> None:
        """The line moves: the ticket crosses one of the queue's notify positions, or not."""
        ticket.position = max(1, ticket.position - self.random.randint(1, 4))
        self.event("ticket.updated", ticket, position=ticket.position, eta_minutes=ticket.position)

    def call(self, ticket: Ticket) -> None:
        """It is the customer's turn."""
        if self.event("ticket.called", ticket, counter="3"):
            ticket.state = "called"

    def close(self, ticket: Ticket) -> None:
        """The customer was served."""
        if self.event("ticket.closed", ticket, reason="served"):
            ticket.state = "closed"
            self.tickets.remove(ticket)

    def event(self, kind: str, ticket: Ticket, consent: Any = None, **fields: Any) -> bool:
        """Post one event about `ticket`; answer whether it was accepted."""
        body: dict[str, Any] = {
            "id": f"soak-{self.lane}-{self.counts.sent.total()}",
            "type": kind,
            "occurred_at": _now(),
            "queue_id": "desk",
            "ticket": {"id": f"T{self.lane}-{ticket.number}", **fields},
        }
        if consent is not None:
            body["consent"] = consent
        started = time.monotonic()
        status = self._post("/v1/events", kind, json=body)
        if status is None or status.status_code != 202:
            return False
        self.counts.latencies.append(time.monotonic() - started)
        for text in status.json().get("notifications", []):
            if text["decision"] == "queued":
                self.counts.queued.append(text["id"])
        return True

    def reply(self, ticket: Ticket) -> None:
        """The customer texts the service; Twilio posts it, signed."""
        body = self.random.choice(REPLIES)
        webhook = self.twilio.inbound_webhook(
            self.base_url + "/v1/twilio/inbound", from_=ticket.phone, to=SENDER, body=body
        )
        self._send("reply", lambda: webhook.post(timeout=TIMEOUT_SECONDS))

    def callback(self) -> None:
        """Twilio reports one of this thread's texts delivered (now and then, twice)."""
        mine = {t.phone for t in self.tickets}
        texts = [m for m in self.twilio.messages if m.to in mine]
        if not texts:
            return
        sid = self.random.choice(texts).sid
        webhook = self.twilio.status_webhook(sid, "delivered")
        for _ in range(2 if self.random.random() < 0.3 else 1):
            self._send("callback", lambda: webhook.post(timeout=TIMEOUT_SECONDS))

    def _post(self, path: str, kind: str, **kwargs: Any) -> requests.Response | None:
        return self._send(
            kind, lambda: self.http.post(self.base_url + path, timeout=TIMEOUT_SECONDS, **kwargs)
        )

    def _send(self, kind: str, request: Any) -> requests.Response | None:
        self.counts.sent[kind] += 1
        try:
            answer: requests.Response = request()
        except requests.RequestException as error:
            self.counts.answers[f"{kind} {type(error).__name__}"] += 1
            return None
        self.counts.answers[f"{kind} {answer.status_code}"] += 1
        return answer


def _now() -> str:
    return datetime.now(UTC).isoformat()
