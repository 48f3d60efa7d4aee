"""Queue-wide fan-outs: each recipient decided once, in batches, even when the job runs again."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from notifier.compliance.keys import Caller
from notifier.events import delays, fanouts, peak_alerts
from notifier.events.accept import accept
from notifier.events.schemas import QueueDelayed, QueuePeakForecast, TicketJoined
from notifier.models import Message, Ticket
from notifier.sending.lifecycle import Priority
from notifier.work import UnitOfWork
from tests.conftest import START, joined
from tests.events import joined_event
from tests.fakes.work import FakeJobQueue

PHONES = ["+13055550142", "+13055550143", "+13055550144", "+13055550145", "+13055550146"]


def delayed_event(event_id: str) -> QueueDelayed:
    """`queue.delayed` by 15 minutes for the "desk" queue."""
    body = {
        "id": event_id,
        "type": "queue.delayed",
        "occurred_at": START.isoformat(),
        "queue_id": "desk",
        "delay_minutes": 15,
    }
    return QueueDelayed.model_validate_json(json.dumps(body), strict=True)


def peak_forecast(event_id: str) -> QueuePeakForecast:
    """`queue.peak_forecast` of one busy hour, three hours from the start of the tests' clock."""
    start = START + timedelta(hours=3)
    body = {
        "id": event_id,
        "type": "queue.peak_forecast",
        "occurred_at": START.isoformat(),
        "queue_id": "desk",
        "windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
    }
    return QueuePeakForecast.model_validate_json(json.dumps(body), strict=True)


def subscriber_joins(event_id: str, ticket: str, phone: str) -> TicketJoined:
    """`ticket.joined` with a documented opt-in to queue updates and peak-hour warnings."""
    body = joined(event_id, ticket, phone)
    body["consent"]["purposes"] = ["queue_updates", "peak_alerts"]
    body["consent"]["evidence"] = {"kiosk": "lobby-2"}
    return TicketJoined.model_validate_json(json.dumps(body), strict=True)


def delay_texts(unit: UnitOfWork) -> list[tuple[str | None, str, str, str | None, list[str]]]:
    """Every delay notice: (ticket, decision, status, reason, its history's statuses)."""
    with unit.db.session() as session:
        rows = session.scalars(
            select(Message).where(Message.kind == "delayed").order_by(Message.ticket_ref)
        ).all()
        return [
            (m.ticket_ref, m.decision, m.status, m.reason, [s.status for s in m.history])
            for m in rows
        ]


def test_delay_fan_out_run_again_after_a_crash_decides_each_ticket_once(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delays, "BATCH", 2)  # three batches for five tickets
    for n, phone in enumerate(PHONES):
        event = joined_event(f"j{n}", f"A{n}", phone, position=n + 1, consent=n != 2)
        assert accept(unit, caller, event, None)[0] == 202
    assert accept(unit, caller, delayed_event("d1"), None)[0] == 202
    [fanout_id] = jobs.fanouts
    jobs.clear()

    # A job that died after deciding every batch but before the fan-out was marked done.
    assert delays.fan_out(unit, fanout_id) == 5
    assert fanouts.run(unit, fanout_id) == 0
    assert fanouts.run(unit, fanout_id) is None

    queued = ("queued", "pending", None, ["pending"])
    blocked = ("blocked", "blocked", "no_consent", ["blocked"])
    assert delay_texts(unit) == [
        ("A0", *queued),
        ("A1", *queued),
        ("A2", *blocked),
        ("A3", *queued),
        ("A4", *queued),
    ]
    with unit.db.session() as session:
        queued = session.execute(
            select(Message.id, Message.job_id).where(
                Message.kind == "delayed", Message.decision == "queued"
            )
        ).all()
    assert sorted(jobs.deliveries(Priority.BULK)) == sorted(i for i, _ in queued)
    # Each row carries its job's id from the commit on, so the relay can find a lost job.
    assert all(job_id == f"job-{i}" for i, job_id in queued)


def test_a_delay_fan_out_overtakes_the_notices_another_decided_while_it_ran(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delays, "BATCH", 2)  # two batches for four tickets
    for n, phone in enumerate(PHONES[:4]):
        assert accept(unit, caller, joined_event(f"j{n}", f"A{n}", phone), None)[0] == 202
    for event_id in ("d1", "d2"):
        assert accept(unit, caller, delayed_event(event_id), None)[0] == 202
    first, second = jobs.fanouts
    opened = 0

    def first_units() -> Any:
        """The first fan-out's units of work: the second runs whole before its second batch."""
        nonlocal opened
        opened += 1
        if opened == 3:  # its start, its first batch, now its second
            assert fanouts.run(unit, second) == 4
        return unit()

    assert delays.fan_out(first_units, first) == 4  # type: ignore[arg-type]

    statuses = sorted((ticket, status) for ticket, _, status, *_ in delay_texts(unit))
    # Each ticket keeps one notice, the last decided, which carries both delays; the other
    # was dropped, whichever fan-out decided it.
    assert statuses == [(f"A{n}", s) for n in range(4) for s in ("dropped", "pending")]
    with unit.db.session() as session:
        etas = session.scalars(select(Ticket.eta_minutes).order_by(Ticket.ticket_id)).all()
    assert etas == [25 + 15 + 15] * 4


def test_peak_fan_out_run_again_warns_each_subscriber_once(
    unit: UnitOfWork, caller: Caller, jobs: FakeJobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(peak_alerts, "BATCH", 2)  # three batches for five customers
    for n, phone in enumerate(PHONES):
        joins = joined_event if n == 1 else subscriber_joins  # the second: queue updates only
        assert accept(unit, caller, joins(f"j{n}", f"A{n}", phone), None)[0] == 202
    assert accept(unit, caller, peak_forecast("p1"), None)[0] == 202
    [fanout_id] = jobs.fanouts
    jobs.clear()

    assert peak_alerts.fan_out(unit, fanout_id) == 4
    assert fanouts.run(unit, fanout_id) == 0

    with unit.db.session() as session:
        warned = session.execute(
            select(Message.id, Message.phone, Message.decision, Message.status).where(
                Message.kind == "peak_alert"
            )
        ).all()
    assert sorted((p, d, s) for _, p, d, s in warned) == [
        (p, "scheduled", "pending") for p in sorted(PHONES) if p != PHONES[1]
    ]
    assert sorted(jobs.deliveries(Priority.BULK)) == sorted(i for i, *_ in warned)
