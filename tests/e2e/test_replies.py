"""Customers' replies through Twilio's signed webhook: opt out, opt back in, help, status, talk."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from twilio.request_validator import RequestValidator

from consent.keywords import HELP_KEYWORDS, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS
from notifier.clock import FixedClock
from notifier.services import Services
from notifier.texts import catalog as texts
from tests.conftest import Api, LiveServer, run_worker
from tests.e2e.customer import DIGITS, SENDER, Customer, put_desk
from tests.fakes.twilio import FakeTwilio
from workers.forward import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, signing_key

ACME = texts.Brand("Acme", None, ZoneInfo("America/New_York"))
BOTH = {"queue_updates": "revoked", "peak_alerts": "revoked"}
GRANTED = {"queue_updates": "granted", "peak_alerts": "granted"}


@pytest.fixture
def customer(api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio) -> Customer:
    """A customer waiting at the desk, opted in to both purposes, already acknowledged."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    assert me.join()["decision"] == "queued"
    assert len(me.received()) == 1
    return me


def expected_locale(keyword_language: str) -> str:
    """A keyword in a language of its own answers in it; English ones in the queue's (en)."""
    return texts.pick_locale(keyword_language if keyword_language != "en" else None, "en")


@pytest.mark.parametrize(("keyword", "language"), sorted(OPT_OUT_KEYWORDS.items()))
def test_each_opt_out_keyword_revokes_every_purpose_and_confirms_once(
    customer: Customer, keyword: str, language: str
) -> None:
    customer.text(f"  {keyword.lower()}! ")

    assert customer.consent() == BOTH
    last = customer.history()[-1]
    assert (last["action"], last["method"]) == ("revoke", "sms_keyword")
    assert last["source"].startswith("sms:SM")
    assert last["evidence"]["body"] == f"  {keyword.lower()}! "
    assert last["evidence"]["message_sid"] == last["source"].removeprefix("sms:")
    confirmation = texts.opt_out_confirmation(expected_locale(language), ACME)
    assert customer.received()[1:] == [confirmation]


@pytest.mark.parametrize("keyword", sorted(OPT_IN_KEYWORDS))
def test_each_opt_in_keyword_restores_exactly_what_was_held_and_confirms_once(
    customer: Customer, keyword: str
) -> None:
    customer.text("STOP")
    customer.text(keyword)

    assert customer.consent() == GRANTED
    regrant = customer.history()[-1]
    original = customer.history()[0]
    assert (regrant["action"], regrant["method"]) == ("grant", "sms_keyword")
    assert regrant["disclosure"] == original["disclosure"]
    assert regrant["evidence"]["restores"] == original["id"]
    received = customer.received()
    assert received[1:] == [
        texts.opt_out_confirmation("en", ACME),
        texts.opt_in_confirmation("en", ACME),
    ]


def test_opt_in_restores_only_the_purposes_held_before(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join(consent={"purposes": ["queue_updates"], "action": "grant", "method": "kiosk"})
    me.text("STOP")
    me.text("START")

    assert me.consent() == {"queue_updates": "granted", "peak_alerts": "revoked"}


@pytest.mark.parametrize(("keyword", "language"), sorted(HELP_KEYWORDS.items()))
def test_help_keywords_answer_with_brand_rates_and_how_to_opt_out(
    customer: Customer, keyword: str, language: str
) -> None:
    customer.text(keyword)

    assert customer.received()[1:] == [texts.help_reply(expected_locale(language), ACME)]
    assert customer.consent() == GRANTED


@pytest.mark.parametrize("body", ["STATUS", "status?", "?", " ?? "])
def test_status_gives_the_waiting_tickets_place_wait_and_come_back_time(
    customer: Customer, body: str
) -> None:
    customer.text(body)

    [answer] = customer.received()[1:]
    assert "A17" in answer and "number 4" in answer and "25 min" in answer
    assert "11:25" in answer  # 11:05 + 25 min - 5 min margin, New York time


def test_status_without_a_waiting_ticket_says_so(customer: Customer) -> None:
    customer.event("ticket.closed", ticket={"id": "A17", "reason": "served"})

    customer.text("STATUS")

    assert customer.received()[1:] == [
        texts.status_reply("en", ACME, ticket=None, position=None, eta_minutes=None, come_back=None)
    ]


def test_a_short_free_text_opt_out_is_an_opt_out(customer: Customer) -> None:
    customer.text("please stop texting me")

    assert customer.consent() == BOTH
    assert customer.history()[-1]["method"] == "sms_free_text"
    assert customer.received()[1:] == [texts.opt_out_confirmation("en", ACME)]


def test_a_message_that_merely_contains_stop_is_not_an_opt_out(customer: Customer) -> None:
    customer.text("don't stop the music")

    assert customer.consent() == GRANTED
    assert customer.received()[1:] == [texts.acknowledgment("en", ACME)]


def test_after_stop_no_text_of_any_purpose_goes_not_even_one_already_queued(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()  # its acknowledgment is queued, not yet sent
    me.text("HELP")  # an answer that needs no opt-in, queued too

    me.text("STOP")
    me.event("ticket.called", ticket={"id": "A17", "counter": "desk 3"})
    me.text("stop")

    assert me.received() == [texts.opt_out_confirmation("en", ACME)]
    log = {m["kind"]: (m["status"], m["reason"]) for m in me.messages()}
    assert log["joined"] == ("blocked", "opted_out")
    assert log["help"] == ("blocked", "opted_out")
    assert log["called"] == ("blocked", "opted_out")


def test_the_workers_consent_recheck_blocks_a_queued_text_after_a_revocation(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()  # queued
    revoke = {
        "phone": me.phone,
        "purposes": ["queue_updates"],
        "action": "revoke",
        "method": "web_form",
    }
    assert api.call("POST", "/v1/consents", json=revoke).status_code == 201

    assert me.received() == []
    [joined] = me.messages()
    assert (joined["decision"], joined["status"], joined["reason"]) == (
        "queued",
        "blocked",
        "opted_out",
    )
    assert [step["source"] for step in joined["history"]][-1] == "worker"


def test_a_second_stop_is_recorded_but_confirmed_only_once(customer: Customer) -> None:
    customer.text("STOP")
    customer.text("Stop.")
    customer.text("UNSUBSCRIBE")

    assert [r["action"] for r in customer.history()] == ["grant", "revoke", "revoke", "revoke"]
    assert customer.received()[1:] == [texts.opt_out_confirmation("en", ACME)]


def test_stop_start_stop_confirms_each_opt_out_and_opt_in_once(customer: Customer) -> None:
    for body in ("STOP", "START", "START", "STOP", "STOP"):
        customer.text(body)

    kinds = [m["kind"] for m in customer.messages()][1:]
    assert kinds == [
        "opt_out_confirmation",
        "opt_in_confirmation",
        "reply_ack",
        "opt_out_confirmation",
    ]


def test_twilio_advanced_opt_out_is_recorded_without_a_confirmation_of_our_own(
    customer: Customer,
) -> None:
    customer.text("STOP", opt_out_type="STOP")
    assert customer.consent() == BOTH
    assert customer.history()[-1]["evidence"]["opt_out_type"] == "STOP"

    customer.text("START", opt_out_type="START")
    assert customer.consent() == GRANTED

    customer.text("HELP", opt_out_type="HELP")
    assert customer.received()[1:] == []


def test_the_same_webhook_twice_is_handled_once(customer: Customer) -> None:
    webhook = customer.twilio.inbound_webhook(
        customer.inbound_url, from_=customer.phone, to=SENDER, body="STOP"
    )

    assert [webhook.post().status_code for _ in range(3)] == [200, 200, 200]

    assert [r["action"] for r in customer.history()] == ["grant", "revoke"]
    assert customer.received()[1:] == [texts.opt_out_confirmation("en", ACME)]


def test_confirmation_goes_on_the_priority_queue_from_the_number_written_to(
    customer: Customer,
) -> None:
    customer.text("STOP")

    [confirmation] = [m for m in customer.messages() if m["kind"] == "opt_out_confirmation"]
    assert (confirmation["priority"], confirmation["purpose"]) == ("urgent", "service")
    assert confirmation["sender"] == SENDER


def test_confirmation_speaks_the_tickets_language(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio, phone="+34612345678")
    me.join(locale="es")
    me.text("STOP")

    assert me.received()[-1] == texts.opt_out_confirmation("es", ACME)


def test_any_other_text_gets_one_calm_answer_per_ten_minutes(
    customer: Customer, clock: FixedClock
) -> None:
    start = clock.now()
    for minutes in (0, 4, 8, 11):
        clock.set(start + timedelta(minutes=minutes))
        customer.text("Is the queue moving?")

    ack = texts.acknowledgment("en", ACME)
    assert customer.received()[1:] == [ack, ack]


def test_start_with_nothing_to_restore_records_nothing_and_is_answered_calmly(
    customer: Customer,
) -> None:
    customer.text("YES")

    assert [r["action"] for r in customer.history()] == ["grant"]
    assert customer.received()[1:] == [texts.acknowledgment("en", ACME)]


class Producer:
    """A producer's webhook endpoint on 127.0.0.1 that keeps what it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answer = 204
        self.headers: dict[str, str] = {}
        producer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                producer.received.append((dict(self.headers.items()), body))
                self.send_response(producer.answer)
                for name, value in producer.headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/replies"


@pytest.fixture
def producer(svc: Services) -> Iterator[Producer]:
    """A producer listening for forwarded replies on this machine (allowed, as in development)."""
    svc.settings = replace(svc.settings, reply_webhook_allow_localhost=True)
    endpoint = Producer()
    thread = threading.Thread(
        target=endpoint.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()
    thread.join()


def test_other_texts_are_forwarded_to_the_queues_webhook_signed(
    api: Api,
    svc: Services,
    live: LiveServer,
    fake_twilio: FakeTwilio,
    producer: Producer,
) -> None:
    put_desk(api, reply_webhook_url=producer.url)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    me.text("Can I bring my dog?")
    me.text("STOP")  # not a conversation: not forwarded
    run_worker(svc)

    [(headers, body)] = producer.received
    payload = json.loads(body)
    assert payload["body"] == "Can I bring my dog?"
    assert (payload["queue_id"], payload["ticket_id"]) == ("desk", "A17")
    assert DIGITS not in body.decode()  # the producer knows its customer by the ticket
    key = signing_key(svc.settings.secret_key)
    assert headers[SIGNATURE_HEADER] == signature(key, headers[TIMESTAMP_HEADER], body)


def test_a_producer_that_fails_gets_the_text_again_later(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, producer: Producer
) -> None:
    put_desk(api, reply_webhook_url=producer.url)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    producer.answer = 503

    me.text("Are you open on Sunday?")
    run_worker(svc)

    assert len(producer.received) == 1
    assert svc.dispatcher.queues["default"].scheduled_job_registry.count == 1


def test_unsigned_or_wrongly_signed_replies_get_403_and_change_nothing(
    customer: Customer, fake_twilio: FakeTwilio
) -> None:
    good = fake_twilio.inbound_webhook(
        customer.inbound_url, from_=customer.phone, to=SENDER, body="STOP"
    )
    forged = RequestValidator("not-the-auth-token").compute_signature(good.url, good.form)
    other_url = RequestValidator(fake_twilio.auth_token).compute_signature(
        "https://elsewhere.example/v1/twilio/inbound", good.form
    )
    attempts = [
        {k: v for k, v in good.headers.items() if k != "X-Twilio-Signature"},
        {**good.headers, "X-Twilio-Signature": forged},
        {**good.headers, "X-Twilio-Signature": other_url},
    ]
    for headers in attempts:
        answer = requests.post(good.url, data=good.form, headers=headers, timeout=10)
        assert answer.status_code == 403
        assert answer.headers["Content-Type"] == "application/problem+json"
    tampered = requests.post(
        good.url, data={**good.form, "Body": "START"}, headers=good.headers, timeout=10
    )
    assert tampered.status_code == 403

    assert customer.consent() == GRANTED
    assert customer.received()[1:] == []
    export = customer.api.call("GET", f"/v1/subjects/{customer.phone}").json()
    assert export["inbound_replies"] == []


def test_without_an_auth_token_every_webhook_is_refused(customer: Customer, svc: Services) -> None:
    from dataclasses import replace

    svc.settings = replace(svc.settings, twilio_auth_token=None)
    webhook = customer.twilio.inbound_webhook(
        customer.inbound_url, from_=customer.phone, to=SENDER, body="STOP"
    )

    assert webhook.post().status_code == 403
    assert customer.consent() == GRANTED


def test_phone_numbers_reach_the_logs_only_masked(
    customer: Customer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")

    customer.text("STOP")
    customer.received()
    customer.api.call("GET", f"/v1/subjects/{customer.phone}")
    customer.api.call("GET", "/v1/consents/+1 (305) 555-0142")
    logging.getLogger("anywhere").warning("a library says %s", customer.phone)

    assert "0142" in caplog.text
    assert DIGITS not in caplog.text
    assert "305) 555" not in caplog.text
