"""`/metrics` tells an operator what is waiting, what was sent and how fast, and what recovered."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from notifier.clock import FixedClock
from notifier.services import Services
from tests.conftest import Api, LiveServer, run_worker
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio
from workers.relay import CHECK_JOBS_AFTER, relay_once

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(api: Api) -> Samples:
    """Every sample of one scrape, by name and labels."""
    answer = api.http.get(api.base_url + "/metrics", timeout=10)
    assert answer.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when it is absent (a counter never incremented)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_waiting_text_shows_in_its_queue_then_as_sent_with_its_latency(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    before = scrape(api)
    assert value(before, "notifier_rq_queue_jobs", queue="default") == 0

    Customer(api, svc, live, fake_twilio).join()
    waiting = scrape(api)
    run_worker(svc)
    done = scrape(api)

    assert value(waiting, "notifier_rq_queue_jobs", queue="default") == 1
    assert value(waiting, "notifier_rq_oldest_job_age_seconds", queue="default") >= 0
    assert value(waiting, "notifier_messages", status="pending") == 1
    assert value(done, "notifier_rq_queue_jobs", queue="default") == 0
    assert value(done, "notifier_rq_oldest_job_age_seconds", queue="default") == 0
    assert value(done, "notifier_messages", status="sent") == 1
    sends = "notifier_send_seconds_count"
    assert value(done, sends, provider="twilio") == value(before, sends, provider="twilio") + 1


def test_opt_outs_are_counted_by_how_they_were_read(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    customer = Customer(api, svc, live, fake_twilio)
    customer.join()
    before = scrape(api)

    customer.text("STOP")
    customer.text("please stop texting me")
    after = scrape(api)

    for method in ("sms_keyword", "sms_free_text"):
        grown = value(after, "notifier_opt_outs_total", method=method)
        assert grown == value(before, "notifier_opt_outs_total", method=method) + 1


def test_the_relays_recoveries_are_counted(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> None:
    put_desk(api)
    Customer(api, svc, live, fake_twilio).join()
    before = scrape(api)
    svc.dispatcher.queues["default"].empty()  # Redis lost its memory
    clock.set(clock.now() + CHECK_JOBS_AFTER + timedelta(seconds=1))

    assert relay_once(svc) == 1
    after = scrape(api)

    recovered = "notifier_relay_recovered_total"
    assert value(after, recovered, kind="message") == value(before, recovered, kind="message") + 1
    assert value(after, "notifier_rq_queue_jobs", queue="default") == 1
