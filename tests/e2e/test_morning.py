"""A whole morning at one queue, through the real HTTP API to a fake Twilio.

Customers join in four languages, move up, one is called, the queue is delayed twice within an
hour, some leave, a peak forecast arrives. Each phone's texts are checked one by one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from notifier.clock import FixedClock
from notifier.services import Services
from tests.conftest import SENDER, START, Api, joined, run_worker
from tests.fakes.twilio import FakeTwilio

EN, ES, ZH, ET, NO_CONSENT = (
    "+13055550101",
    "+34612345678",
    "+8613800138000",
    "+37251234567",
    "+13055550105",
)
PEAK_CONSENT = {
    "purposes": ["queue_updates", "peak_alerts"],
    "action": "grant",
    "method": "web_form",
    "captured_at": START.isoformat(),
    "disclosure": {"text": "Text me about my place in line and busy hours.", "version": "web-2"},
    "evidence": {"ip": "203.0.113.9"},
}


class Morning:
    """The scenario's clock, API and phones."""

    def __init__(self, api: Api, svc: Services, clock: FixedClock, twilio: FakeTwilio) -> None:
        self.api, self.svc, self.clock, self.twilio = api, svc, clock, twilio
        self.counter = 0

    def at(self, minutes: int) -> None:
        """Move the clock to START + minutes."""
        self.clock.set(START + timedelta(minutes=minutes))

    def post(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Post an event happening now; answer its JSON."""
        self.counter += 1
        body = {
            "id": f"evt-{self.counter}",
            "type": type_,
            "queue_id": "desk",
            "occurred_at": self.clock.now().isoformat(),
            **fields,
        }
        answer = self.api.event(body)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def join(self, ticket: str, phone: str, position: int, eta: int, **extra: Any) -> str:
        """A customer joins; answer the decision."""
        self.counter += 1
        body = joined(f"evt-{self.counter}", ticket, phone, position=position, eta=eta, **extra)
        body["occurred_at"] = self.clock.now().isoformat()
        answer = self.api.event(body)
        assert answer.status_code == 202, answer.text
        return str(answer.json()["notifications"][0]["decision"])

    def texts(self, phone: str) -> list[str]:
        """Every body the phone received, in order."""
        return [m.body for m in self.twilio.messages if m.to == phone]

    def times(self, phone: str) -> list[str]:
        """When each of the phone's texts reached Twilio, as minutes after START."""
        return [
            str(int((m.received_at - START).total_seconds() // 60))
            for m in self.twilio.messages
            if m.to == phone
        ]


@pytest.fixture
def overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """Slots 50 ms apart: far enough that texts reach the carrier in the order of their slots
    although a worker sends several at once."""
    overrides["sender_mps"] = 20.0
    return overrides


@pytest.fixture
def morning(api: Api, svc: Services, clock: FixedClock, fake_twilio: FakeTwilio) -> Morning:
    """A queue in New York with a peak window at noon on Saturdays."""
    answer = api.put_queue(
        "desk",
        locale="en",
        notify_at_positions=[5, 2],
        eta_change_minutes=10,
        hold_minutes=5,
        peak_hours=[{"days": ["sat"], "start": "12:00", "end": "13:00"}],
        peak_alert_lead_minutes=60,
    )
    assert answer.status_code == 201, answer.text
    return Morning(api, svc, clock, fake_twilio)


def test_a_whole_morning_at_one_queue(morning: Morning) -> None:
    m = morning
    # 11:05 — five customers join; one gave no consent.
    assert m.join("A1", EN, 1, 5) == "queued"
    assert m.join("A2", ES, 2, 10, locale="es") == "queued"
    assert m.join("A3", ZH, 3, 20, locale="zh-CN") == "queued"
    assert m.join("A4", ET, 6, 45, locale="et") == "queued"
    assert m.join("A5", NO_CONSENT, 7, 50, consent=False) == "blocked"
    m.api.call("POST", "/v1/consents", json={"phone": ES, **PEAK_CONSENT})
    run_worker(m.svc)

    # 11:10 — A4 moves up twice before any text goes: one text, with the newest place.
    m.at(5)
    first = m.post("ticket.updated", ticket={"id": "A4", "position": 5})
    second = m.post("ticket.updated", ticket={"id": "A4", "position": 2})
    small = m.post("ticket.updated", ticket={"id": "A3", "position": 3, "eta_minutes": 16})
    assert first["notifications"][0]["decision"] == "queued"
    assert second["notifications"][0]["decision"] == "queued"
    assert (small["notifications"][0]["decision"], small["notifications"][0]["reason"]) == (
        "skipped",
        "insignificant_change",
    )
    run_worker(m.svc)

    # 11:15 — A1 is called.
    m.at(10)
    m.post("ticket.called", ticket={"id": "A1", "counter": "Counter 3"})
    run_worker(m.svc)

    # 11:20 — the queue runs late; 11:40 — later still (within the hour: no second apology).
    m.at(15)
    delay = m.post(
        "queue.delayed",
        delay_minutes=15,
        action="a second clerk is joining",
        compensation="free coffee at the desk",
    )
    assert delay["recipients"] == 4  # A2, A3, A4, A5 wait; A1 was called
    run_worker(m.svc)
    m.at(35)
    m.post("queue.delayed", delay_minutes=10)
    # A3 leaves before the second notice goes out: it must not reach them.
    m.post("ticket.closed", ticket={"id": "A3", "reason": "cancelled"})
    run_worker(m.svc)

    # 11:45 — a forecast of the noon peak: subscribers are warned (the lead time has passed).
    m.at(40)
    m.post(
        "queue.peak_forecast",
        windows=[
            {
                "start": (START + timedelta(minutes=55)).isoformat(),
                "end": (START + timedelta(minutes=115)).isoformat(),
            }
        ],
    )
    run_worker(m.svc)

    en, es, zh, et = m.texts(EN), m.texts(ES), m.texts(ZH), m.texts(ET)
    assert len(en) == 2
    assert "number 1 in line" in en[0] and "Reply STOP to opt out." in en[0]
    assert "It's your turn, ticket A1!" in en[1] and "Counter 3" in en[1]

    assert len(es) == 4
    assert "lugar 2 en la fila" in es[0]
    assert es[1].count("Lo sentimos") == 1 and "un segundo" not in es[1]
    assert "a second clerk is joining" in es[1] and "free coffee at the desk" in es[1]
    assert "Lo sentimos" not in es[2] and "10 min" in es[2]
    assert "12:00" in es[3]  # the peak warning, in Spanish time format

    assert len(zh) == 2  # joined, first delay; the second delay was cancelled when A3 left
    assert "排第3位" in zh[0] and "抱歉" in zh[1]

    assert len(et) == 4
    assert "koht järjekorras 6" in et[0]
    assert "nüüd 2" in et[1]  # the collapsed update: place 2, never place 5
    assert "Vabandust" in et[2] and "Vabandust" not in et[3]

    assert m.texts(NO_CONSENT) == []
    assert len(m.twilio.messages) == len(en) + len(es) + len(zh) + len(et)  # nothing else
    assert m.times(EN) == ["0", "10"]
    assert m.times(ES) == ["0", "15", "35", "40"]
    assert m.times(ZH) == ["0", "15"]
    assert m.times(ET) == ["0", "5", "15", "35"]


def test_ticket_called_goes_ahead_of_queued_delay_notices(morning: Morning) -> None:
    m = morning
    for n in range(1, 4):
        m.join(f"B{n}", f"+1305555020{n}", n, 10 * n)
    run_worker(m.svc)
    m.twilio.reset()
    m.post("queue.delayed", delay_minutes=5)
    bulk = m.svc.dispatcher.queues["bulk"]
    [fan_out] = bulk.jobs
    bulk.remove(fan_out)
    fan_out.perform()  # the three delay notices now wait on the queue, in one batch...
    [batch] = bulk.jobs
    assert len(batch.args[0]) == 3

    m.post("ticket.called", ticket={"id": "B1"})  # ...and then B1 is called
    run_worker(m.svc)

    bodies = [t.body for t in m.twilio.messages]
    assert "It's your turn" in bodies[0]
    assert len(bodies) == 3  # B1's own delay notice was overtaken by the call
    assert all("behind" in body for body in bodies[1:])


def test_delay_notices_reach_the_front_of_the_line_first(morning: Morning) -> None:
    m = morning
    for position in (3, 1, 2):
        m.join(f"C{position}", f"+1305555030{position}", position, 10 * position)
    run_worker(m.svc)
    m.twilio.reset()

    m.post("queue.delayed", delay_minutes=20)
    run_worker(m.svc)

    assert [t.to for t in m.twilio.messages] == ["+13055550301", "+13055550302", "+13055550303"]


def test_update_for_an_unknown_ticket_is_a_422(morning: Morning) -> None:
    answer = morning.api.event(
        {
            "id": "e",
            "type": "ticket.updated",
            "queue_id": "desk",
            "occurred_at": START.isoformat(),
            "ticket": {"id": "Z9", "position": 1},
        }
    )

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "ticket.id"


def test_an_event_older_than_the_tickets_last_is_skipped_not_applied(morning: Morning) -> None:
    m = morning
    m.join("D1", "+13055550401", 8, 40)
    m.at(5)
    m.post("ticket.updated", ticket={"id": "D1", "position": 4})
    stale = m.api.event(
        {
            "id": "late",
            "type": "ticket.updated",
            "queue_id": "desk",
            "occurred_at": (START + timedelta(minutes=1)).isoformat(),
            "ticket": {"id": "D1", "position": 7},
        }
    )

    assert stale.json()["notifications"][0]["reason"] == "out_of_order"
    run_worker(m.svc)
    m.twilio.send_inbound(
        m.api.base_url + "/v1/twilio/inbound", from_="+13055550401", to=SENDER, body="STATUS"
    )
    run_worker(m.svc)
    assert "number 4 in line" in m.twilio.messages[-1].body  # not 7


def test_closed_ticket_cancels_its_pending_texts(morning: Morning) -> None:
    m = morning
    m.join("E1", "+13055550501", 3, 15)

    m.post("ticket.closed", ticket={"id": "E1", "reason": "no_show"})
    run_worker(m.svc)

    assert m.texts("+13055550501") == []
