"""The dashboard's figures follow the texts as they move on: receipts, delays, apologies, peak
warnings moved past quiet hours."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from notifier.clock import FixedClock
from notifier.compliance import dashboard, rollup
from notifier.models_console import MessageRollup, RollupState
from notifier.services import Services
from tests.conftest import START, Api, LiveServer, run_worker
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio
from workers import relay

NEW_YORK = ZoneInfo("America/New_York")


def figures(svc: Services, queue_id: str | None = None) -> dashboard.Figures:
    """The dashboard's figures for the default period, in New York."""
    period = dashboard.default_period(svc.clock.now(), NEW_YORK, queue_id)
    return dashboard.figures(svc.db, svc.clock, period)


def test_a_receipt_that_comes_later_moves_a_text_from_sent_to_failed(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    put_desk(api)
    customer = Customer(api, svc, live, fake_twilio)
    customer.join()
    decided = figures(svc).totals
    run_worker(svc)
    sent = figures(svc).totals
    clock.set(START + timedelta(hours=3))  # long after the rollup last looked
    fake_twilio.send_status(fake_twilio.messages[0].sid, "undelivered", error_code="30003")

    failed = figures(svc)

    assert (decided["decided"], decided["waiting"], decided.get("went", 0)) == (1, 1, 0)
    assert (sent["sent"], sent["went"], sent["segments"]) == (
        1,
        1,
        customer.messages()[0]["segments"],
    )
    assert (failed.totals["failed"], failed.totals["sent"]) == (1, 0)
    assert failed.failures == [("30003", 1)]
    assert failed.delivery_rate == 0.0
    assert failed.latency_median == dashboard.Latency(1, over=False)


def test_delay_notices_and_their_apologies_are_counted_per_queue(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    put_desk(api)
    put_desk_two = api.put_queue("annex", name="Annex")
    assert put_desk_two.status_code in (200, 201)
    customer = Customer(api, svc, live, fake_twilio)
    customer.join()
    run_worker(svc)
    customer.event("queue.delayed", delay_minutes=10)
    run_worker(svc)
    clock.set(START + timedelta(minutes=20))
    customer.event("queue.delayed", delay_minutes=10)  # within the hour: no second apology
    run_worker(svc)

    desk = dict(figures(svc).per_queue)["Service desk"]
    only_annex = figures(svc, "annex")

    assert (desk["delay_notices"], desk["apologies"]) == (2, 1)
    assert only_annex.totals.get("decided", 0) == 0
    assert only_annex.per_queue == []


def test_peak_warnings_moved_past_quiet_hours_are_counted(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    put_desk(api)
    customer = Customer(api, svc, live, fake_twilio)
    customer.join()
    run_worker(svc)
    # Tomorrow 10:00-11:00 in Miami: the warning's time (08:00) is in quiet hours in Florida's
    # Central-time Panhandle, so it is scheduled for 09:00 Eastern, still before the peak.
    start = (START + timedelta(days=1)).replace(hour=15, minute=0)
    customer.event(
        "queue.peak_forecast",
        windows=[{"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}],
    )
    run_worker(svc)

    desk = dict(figures(svc).per_queue)["Service desk"]

    assert desk["peak_deferred"] == 1


def test_the_relay_counts_the_history_before_anyone_opens_the_dashboard(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    put_desk(api)
    Customer(api, svc, live, fake_twilio).join()
    run_worker(svc)

    counted = relay.rollup_often(svc)
    again = relay.rollup_often(svc)  # another relay, or the next loop, within the period

    with svc.db.session() as session:
        rows = session.scalars(select(MessageRollup)).all()
        state = session.get_one(RollupState, rollup.STATE_ID)
    assert (counted, again) == (True, False)
    assert [(r.queue_id, r.decided, r.sent) for r in rows] == [("desk", 1, 1)]
    assert state.folded_until == clock.now()
