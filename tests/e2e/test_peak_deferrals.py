"""Peak-hour warnings posted through the API wait for what each state's law allows.

Orlando's 689 is Eastern though the phone library files it as Central; Texas allows no texts
before noon on Sundays; Pennsylvania none on its legal holidays. Each is held to the strictest
hour in every zone of its state, and a New York number beside it shows what the rule changed.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from notifier.clock import FixedClock
from notifier.services import Services
from tests.conftest import Api, run_worker
from tests.e2e.test_peaks import forecast, peak_messages, subscribe
from tests.fakes.twilio import FakeTwilio
from workers.deliver import deliver

EASTERN = ZoneInfo("America/New_York")
CENTRAL = ZoneInfo("America/Chicago")
ORLANDO = "+16895550123"
HOUSTON = "+17135550123"
PHILADELPHIA = "+12155550123"
NEW_YORK = "+12125550123"


def scheduled(svc: Services) -> dict[str, tuple[str, str | None, datetime | None]]:
    """Each warning's decision, reason and send time, by the number it goes to."""
    return {
        m.phone or "": (m.decision, m.reason, m.send_at and m.send_at.astimezone(EASTERN))
        for m in peak_messages(svc)
    }


def test_orlando_689_is_held_to_eight_pm_eastern_and_warned_the_next_morning(
    api: Api, svc: Services, clock: FixedClock, fake_twilio: FakeTwilio
) -> None:
    clock.set(datetime(2026, 11, 28, 19, 0, tzinfo=EASTERN))
    api.put_queue("desk", peak_alert_lead_minutes=810)  # 10:00 - 13.5 h = 20:30 the day before
    for phone in (ORLANDO, NEW_YORK):
        subscribe(api, phone, clock.now())
    run_worker(svc)
    fake_twilio.reset()

    forecast(
        api,
        "f-1",
        (datetime(2026, 11, 29, 10, tzinfo=EASTERN), datetime(2026, 11, 29, 11, tzinfo=EASTERN)),
    )
    run_worker(svc)

    # 20:30 in Orlando is past Florida's 8 pm (Fla. Stat. 501.059(8)(a)), though 19:30 in the
    # Central time the library names for 689; and 8 am in the Panhandle is 9 am in Orlando.
    assert scheduled(svc) == {
        ORLANDO: ("scheduled", "quiet_hours", datetime(2026, 11, 29, 9, tzinfo=EASTERN)),
        NEW_YORK: ("scheduled", None, datetime(2026, 11, 28, 20, 30, tzinfo=EASTERN)),
    }
    [orlando] = [m for m in peak_messages(svc) if m.phone == ORLANDO]
    clock.set(datetime(2026, 11, 29, 9, tzinfo=EASTERN))
    assert deliver(orlando.id) == "sent"
    [sent] = fake_twilio.messages
    assert sent.to == ORLANDO and sent.body.endswith("Reply STOP to opt out.")


def test_texas_on_a_sunday_morning_waits_for_noon_in_every_texas_zone(
    api: Api, svc: Services, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=EASTERN))  # Saturday
    api.put_queue("desk", peak_alert_lead_minutes=240)
    for phone in (HOUSTON, NEW_YORK):
        subscribe(api, phone, clock.now())

    sunday_peak = (
        datetime(2026, 11, 29, 14, tzinfo=CENTRAL),
        datetime(2026, 11, 29, 15, tzinfo=CENTRAL),
    )
    forecast(api, "f-1", sunday_peak)
    run_worker(svc)

    # Due at 10:00 Central on Sunday; Texas allows texts from noon on Sundays (Tex. Bus. & Com.
    # Code 301.051), and noon in El Paso's Mountain time is 13:00 in Houston.
    assert scheduled(svc) == {
        HOUSTON: ("scheduled", "quiet_hours", datetime(2026, 11, 29, 13, tzinfo=CENTRAL)),
        NEW_YORK: ("scheduled", None, datetime(2026, 11, 29, 10, tzinfo=CENTRAL)),
    }


def test_a_pennsylvania_legal_holiday_defers_the_warning_to_the_next_day(
    api: Api, svc: Services, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=EASTERN))
    api.put_queue("desk", peak_alert_lead_minutes=25 * 60)
    for phone in (PHILADELPHIA, NEW_YORK):
        subscribe(api, phone, clock.now())

    # The peak is the morning after Election Day, 3 November 2026, a legal holiday in
    # Pennsylvania (44 P.S. 11) but not in New York: its warning would be due on the holiday.
    forecast(
        api,
        "f-1",
        (datetime(2026, 11, 4, 9, tzinfo=EASTERN), datetime(2026, 11, 4, 10, tzinfo=EASTERN)),
    )
    run_worker(svc)

    assert scheduled(svc) == {
        PHILADELPHIA: ("scheduled", "quiet_hours", datetime(2026, 11, 4, 8, tzinfo=EASTERN)),
        NEW_YORK: ("scheduled", None, datetime(2026, 11, 3, 8, tzinfo=EASTERN)),
    }
