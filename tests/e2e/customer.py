"""A customer's phone in end-to-end tests: signed texts in by webhook, texts out at Twilio."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import requests

from notifier.clock import FixedClock
from notifier.services import Services
from tests.conftest import SENDER, Api, LiveServer, joined, run_worker
from tests.fakes.twilio import FakeTwilio

PHONE = "+13055550142"
DIGITS = PHONE.removeprefix("+1")  # what would give the number away, in any format
PEAK_CONSENT = {
    "purposes": ["queue_updates", "peak_alerts"],
    "action": "grant",
    "method": "kiosk",
    "captured_at": "2026-11-28T16:04:30+00:00",
    "disclosure": {
        "text": "Text me about my place and busy hours.",
        "version": "kiosk-7",
        "language": "en",
    },
    "evidence": {"location": "desk-2", "staff_id": "s-17"},
}


class Customer:
    """One phone talking to the live service."""

    def __init__(
        self, api: Api, svc: Services, live: LiveServer, twilio: FakeTwilio, phone: str = PHONE
    ) -> None:
        self.api, self.svc, self.live, self.twilio, self.phone = api, svc, live, twilio, phone
        self.events = 0

    @property
    def inbound_url(self) -> str:
        """Where Twilio posts this service's incoming texts."""
        return self.live.url + "/v1/twilio/inbound"

    def join(
        self,
        ticket: str = "A17",
        *,
        consent: dict[str, Any] | None = None,
        queue: str = "desk",
        **fields: Any,
    ) -> dict[str, Any]:
        """The customer joins a queue (with a kiosk opt-in for both purposes unless told)."""
        self.events += 1
        body = joined(f"evt-{self.events}-{ticket}", ticket, self.phone, queue=queue, **fields)
        body["consent"] = consent or PEAK_CONSENT
        if consent == {}:
            del body["consent"]
        answer = self.api.event(body)
        assert answer.status_code == 202, answer.text
        return dict(answer.json()["notifications"][0])

    def event(self, type_: str, queue: str = "desk", **fields: Any) -> dict[str, Any]:
        """A producer's event about this customer's ticket."""
        self.events += 1
        body = {
            "id": f"evt-{self.events}",
            "type": type_,
            "queue_id": queue,
            "occurred_at": self.svc.clock.now().isoformat(),
            **fields,
        }
        answer = self.api.event(body)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def text(self, body: str, **kwargs: Any) -> requests.Response:
        """The customer texts the service a second after the last thing; Twilio posts it, signed."""
        clock = self.svc.clock
        if isinstance(clock, FixedClock):
            clock.set(clock.now() + timedelta(seconds=1))  # so that the logs read in order
        answer = self.twilio.send_inbound(
            self.inbound_url, from_=self.phone, to=SENDER, body=body, **kwargs
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"].startswith("text/xml")
        assert answer.text.endswith("<Response/>")
        return answer

    def received(self) -> list[str]:
        """Every text Twilio accepted for this phone, in order (after running the workers)."""
        run_worker(self.svc)
        return [m.body for m in self.twilio.messages if m.to == self.phone]

    def consent(self) -> dict[str, str]:
        """The number's consent state per purpose."""
        answer = self.api.call("GET", f"/v1/consents/{self.phone}")
        assert answer.status_code == 200, answer.text
        return {p: s["status"] for p, s in answer.json()["purposes"].items()}

    def history(self) -> list[dict[str, Any]]:
        """The number's ledger records, oldest first."""
        return list(self.api.call("GET", f"/v1/consents/{self.phone}").json()["history"])

    def messages(self) -> list[dict[str, Any]]:
        """The audit log's texts to this number."""
        answer = self.api.call("GET", "/v1/audit/messages", params={"phone": self.phone})
        assert answer.status_code == 200, answer.text
        return [json.loads(line) for line in answer.text.splitlines()]


def put_desk(api: Api, **settings: Any) -> None:
    """The queue `desk` in New York, English, signed "Acme"."""
    answer = api.put_queue("desk", **settings)
    assert answer.status_code in (200, 201), answer.text


__all__ = ["PHONE", "SENDER", "Customer", "put_desk"]
