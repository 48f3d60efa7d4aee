"""Peak-hour warnings: ahead of each window, within quiet hours, capped where the law caps them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from notifier.clock import FixedClock
from notifier.models import Message
from notifier.services import Services
from tests.conftest import Api, joined, run_worker
from tests.fakes.twilio import FakeTwilio
from workers.deliver import deliver
from workers.relay import relay_once

NEW_YORK = ZoneInfo("America/New_York")
FLORIDA = "+13055550199"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in New York (and Florida) time, November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def subscribe(api: Api, phone: str, at: datetime, **ticket: Any) -> None:
    """The customer joins the queue and opts in to peak-hour warnings on the web."""
    body = joined(f"join-{phone}", f"T{phone[-4:]}", phone, **ticket)
    body["occurred_at"] = body["consent"]["captured_at"] = at.isoformat()
    assert api.event(body).status_code == 202
    grant = {
        "phone": phone,
        "purposes": ["peak_alerts"],
        "action": "grant",
        "method": "web_form",
        "captured_at": at.isoformat(),
        "disclosure": {"text": "Text me before busy hours.", "version": "web-1"},
        "evidence": {"ip": "203.0.113.7"},
    }
    assert api.call("POST", "/v1/consents", json=grant).status_code == 201


def forecast(api: Api, event_id: str, *windows: tuple[datetime, datetime]) -> dict[str, Any]:
    """Post a peak forecast."""
    body = {
        "id": event_id,
        "type": "queue.peak_forecast",
        "queue_id": "desk",
        "occurred_at": local(1, 9).isoformat(),  # long before any of these tests' clocks
        "windows": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in windows],
    }
    answer = api.event(body)
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def peak_messages(svc: Services) -> list[Message]:
    """Every peak-hour warning decided, oldest first."""
    with svc.db.session() as session:
        rows = list(
            session.scalars(
                select(Message)
                .where(Message.purpose == "peak_alerts")
                .order_by(Message.created_at, Message.send_at)
            )
        )
        session.expunge_all()
        return rows


def test_peak_alert_to_a_florida_number_at_2030_waits_for_0800_in_every_florida_zone(
    api: Api, svc: Services, clock: FixedClock, fake_twilio: FakeTwilio
) -> None:
    clock.set(local(28, 19))
    api.put_queue("desk", peak_alert_lead_minutes=810)  # 10:00 - 13.5 h = 20:30 the day before
    subscribe(api, FLORIDA, clock.now())
    run_worker(svc)
    fake_twilio.reset()

    forecast(api, "f-1", (local(29, 10), local(29, 11)))
    run_worker(svc)

    [alert] = peak_messages(svc)
    assert (alert.decision, alert.reason) == ("scheduled", "quiet_hours")
    # Florida spans two zones: 08:00 in the Panhandle's Central time is 09:00 in New York.
    assert alert.send_at == local(29, 9)
    assert fake_twilio.messages == []
    scheduled = ScheduledJobRegistry(queue=svc.dispatcher.queues["bulk"])
    assert scheduled.get_job_ids() == [alert.job_id]

    clock.set(local(29, 9))
    assert deliver(alert.id) == "sent"
    [sent] = fake_twilio.messages
    assert sent.to == FLORIDA and "10:00" in sent.body


def test_a_florida_number_gets_at_most_three_peak_alerts_a_day(
    api: Api, svc: Services, clock: FixedClock
) -> None:
    clock.set(local(28, 9))
    api.put_queue("desk", peak_alert_lead_minutes=30)
    subscribe(api, FLORIDA, clock.now())

    windows = [(local(28, h), local(28, h, 30)) for h in (11, 13, 15, 17)]
    forecast(api, "f-1", *windows)
    run_worker(svc)

    decisions = [(m.decision, m.reason) for m in peak_messages(svc)]
    assert decisions.count(("scheduled", None)) == 3
    assert decisions.count(("blocked", "daily_cap")) == 1


def test_only_subscribers_of_peak_alerts_are_warned(
    api: Api, svc: Services, clock: FixedClock
) -> None:
    clock.set(local(28, 9))
    api.put_queue("desk", peak_alert_lead_minutes=30)
    subscribe(api, FLORIDA, clock.now())
    api.event(joined("j-2", "B2", "+13055550177"))  # queue updates only

    answer = forecast(api, "f-1", (local(28, 12), local(28, 13)))
    run_worker(svc)

    assert answer["recipients"] == 1
    assert [m.phone for m in peak_messages(svc)] == [FLORIDA]


def test_the_same_window_forecast_twice_is_warned_of_once(
    api: Api, svc: Services, clock: FixedClock
) -> None:
    clock.set(local(28, 9))
    api.put_queue("desk", peak_alert_lead_minutes=30)
    subscribe(api, FLORIDA, clock.now())

    forecast(api, "f-1", (local(28, 12), local(28, 13)))
    forecast(api, "f-2", (local(28, 12), local(28, 13)))
    run_worker(svc)

    assert len(peak_messages(svc)) == 1


def test_recurring_peak_hours_are_warned_ahead_by_the_relay(
    api: Api, svc: Services, clock: FixedClock, fake_twilio: FakeTwilio
) -> None:
    clock.set(local(28, 11, 55))
    api.put_queue(
        "desk",
        peak_alert_lead_minutes=60,
        peak_hours=[{"days": ["sat"], "start": "13:00", "end": "14:00"}],
    )
    subscribe(api, FLORIDA, clock.now())
    run_worker(svc)
    fake_twilio.reset()

    clock.set(clock.now() + timedelta(seconds=10))
    relay_once(svc)
    relay_once(svc)  # planned once, not twice
    run_worker(svc)

    [alert] = peak_messages(svc)
    assert (alert.decision, alert.send_at) == ("scheduled", local(28, 12))
    clock.set(local(28, 12))
    deliver(alert.id)
    assert len(fake_twilio.messages) == 1


def test_a_warning_speaks_the_language_of_the_customers_ticket(
    api: Api, svc: Services, clock: FixedClock
) -> None:
    clock.set(local(28, 9))
    api.put_queue("desk", peak_alert_lead_minutes=30)
    subscribe(api, FLORIDA, clock.now(), locale="es-MX")

    forecast(api, "f-1", (local(28, 12), local(28, 13)))
    run_worker(svc)

    [alert] = peak_messages(svc)
    assert alert.locale == "es"
    assert "Aviso" in (alert.body or "")
