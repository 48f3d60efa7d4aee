"""Retention removes what was said and keeps the proof: bodies and tickets go, the chain holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from consent.records import opted_out
from notifier.clock import FixedClock
from notifier.compliance import ledger, ledger_check, retention
from notifier.inbound import receive
from notifier.inbound.respond import Inbound
from notifier.models import (
    ConsentRecord,
    Event,
    InboundReply,
    Message,
    StatusStep,
    Subject,
    Ticket,
)
from notifier.services import Services
from tests.conftest import SENDER, joined, run_worker
from workers.relay import retention_daily


def apply(svc: Services) -> retention.Removed:
    """Retention as the settings ask, now."""
    return retention.apply(svc.db, svc.clock.now(), retention.Keep.of(svc.settings))


OLD, NEW = "+13055550142", "+13055550143"
DAY = timedelta(days=1)


def accept(app: Flask, admin_key: str, event_id: str, phone: str, clock: FixedClock) -> None:
    """A customer joins the desk (with consent), now."""
    client: FlaskClient = app.test_client()
    headers = {"Authorization": f"Bearer {admin_key}"}
    client.put(
        "/v1/queues/desk", json={"name": "Desk", "timezone": "America/New_York"}, headers=headers
    )
    body = joined(event_id, event_id.upper(), phone)
    body["occurred_at"] = clock.now().isoformat()
    assert client.post("/v1/events", json=body, headers=headers).status_code == 202


def counts(svc: Services) -> dict[str, Any]:
    """What is held, as a compliance officer would ask."""
    with svc.db.session() as session:
        subject = svc.pseudonymize(OLD)
        return {
            "bodies": session.scalars(select(Message.body).where(Message.subject == subject)).all(),
            "messages": session.scalar(
                select(func.count(Message.id)).where(Message.subject == subject)
            ),
            "tickets": session.scalar(select(func.count(Ticket.id))),
            "reply": session.scalars(select(InboundReply.body)).all(),
            "payloads": session.scalars(select(Event.payload).order_by(Event.received_at)).all(),
            "number": session.get(Subject, subject) is not None,
            "records": session.scalar(select(func.count(ConsentRecord.id))),
            "opted_out": opted_out(ledger.facts_of(session, subject)),
        }


def test_bodies_and_tickets_go_after_retention_days_and_the_ledger_still_verifies(
    app: Flask, svc: Services, admin_key: str, clock: FixedClock
) -> None:
    accept(app, admin_key, "e1", OLD, clock)
    run_worker(svc)
    receive.receive(svc.work, Inbound("SM" + "1" * 32, OLD, SENDER, "STOP"))
    run_worker(svc)
    before = counts(svc)

    clock.set(clock.now() + timedelta(days=400) + DAY)
    accept(app, admin_key, "e2", NEW, clock)  # recent: kept whole
    removed = apply(svc)
    after = counts(svc)

    assert all(before["bodies"]) and before["reply"] == ["STOP"]
    assert after["bodies"] == [None, None]  # the acknowledgment and the opt-out confirmation
    assert after["messages"] == before["messages"] == 2  # the decisions stay
    assert after["reply"] == [None]
    assert after["payloads"][0] == {} and after["payloads"][1]["ticket"]["id"] == "E2"
    assert after["tickets"] == 1  # only the recent one
    assert (removed.tickets, removed.message_bodies, removed.reply_bodies) == (1, 2, 1)
    assert after["records"] == before["records"] + 1  # the newcomer's grant; none went
    assert after["opted_out"]
    assert ledger_check.verify(svc.notary).ok


def test_decisions_and_the_number_go_after_the_ledger_years_and_the_opt_out_holds(
    app: Flask, svc: Services, admin_key: str, clock: FixedClock
) -> None:
    accept(app, admin_key, "e1", OLD, clock)
    run_worker(svc)
    receive.receive(svc.work, Inbound("SM" + "2" * 32, OLD, SENDER, "STOP"))
    run_worker(svc)
    records = counts(svc)["records"]

    clock.set(clock.now() + timedelta(days=5 * 365) - DAY)
    assert apply(svc).numbers == 0  # not yet five years
    clock.set(clock.now() + 3 * DAY)
    removed = apply(svc)
    after = counts(svc)

    assert removed.messages == 2 and removed.numbers == 1 and removed.events == 1
    assert after["messages"] == 0 and not after["number"] and after["reply"] == []
    with svc.db.session() as session:
        assert session.scalar(select(func.count(StatusStep.id))) == 0
    assert after["records"] == records  # the ledger is never shortened
    assert after["opted_out"]  # the pseudonymous ledger still says: never text this number
    assert ledger_check.verify(svc.notary).ok


def test_the_relay_applies_it_once_a_day(app: Flask, svc: Services, clock: FixedClock) -> None:
    assert retention_daily(svc) is not None
    assert retention_daily(svc) is None  # another relay, or the next loop, the same day


def test_the_cli_applies_it(app: Flask, svc: Services, admin_key: str, clock: FixedClock) -> None:
    accept(app, admin_key, "e1", OLD, clock)
    run_worker(svc)
    clock.set(clock.now() + timedelta(days=401))

    done = app.test_cli_runner().invoke(args=["retention", "apply"])

    assert done.exit_code == 0, done.output
    assert "tickets: 1" in done.output and "message bodies: 1" in done.output
