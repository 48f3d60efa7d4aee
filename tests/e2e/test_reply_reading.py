"""Replies read as a careful person would, over Twilio's signed webhook, and why each was read so.

The examples are those of the issue: sentence-form opt-outs from public records revoke; a
negation or another sense of the word does not; an unclear reply stops texts at once and is
confirmed once with a question, and texts resume only when the customer answers START.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notifier.services import Services
from notifier.texts import catalog as texts
from tests.conftest import Api, LiveServer
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio
from tests.reply_examples import FCC_REVOCATIONS, UNCLEAR

ACME = texts.Brand("Acme", None, ZoneInfo("America/New_York"))
BOTH = {"queue_updates": "revoked", "peak_alerts": "revoked"}
GRANTED = {"queue_updates": "granted", "peak_alerts": "granted"}

# Negations, other senses of the word, and our own instruction quoted back: none revokes.
NOT_OPT_OUTS = [
    "I don't want to unsubscribe",
    "don't stop",
    "No quiero darme de baja",
    "I can't stop laughing",
    "which bus stop?",
    "I'll stop by later",
    "end of the line?",
    "cancel my 3 pm booking",
    'Liked "Acme: Thanks! Reply STOP to opt out."',
]


@pytest.fixture
def customer(api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio) -> Customer:
    """A customer waiting at the desk, opted in to both purposes, already acknowledged."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    assert me.join()["decision"] == "queued"
    assert len(me.received()) == 1
    return me


def replies(customer: Customer) -> list[dict[str, Any]]:
    """The customer's texts to us, as their data-subject export shows them."""
    export = customer.api.call("GET", f"/v1/subjects/{customer.phone}")
    assert export.status_code == 200, export.text
    return list(export.json()["inbound_replies"])


@pytest.mark.parametrize("body", FCC_REVOCATIONS)
def test_a_sentence_form_opt_out_from_the_fcc_record_revokes_and_is_confirmed_once(
    customer: Customer, body: str
) -> None:
    customer.text(body)

    assert customer.consent() == BOTH
    revocation = customer.history()[-1]
    assert revocation["action"] == "revoke"
    assert revocation["evidence"]["body"] == body
    assert revocation["evidence"]["verdict"] == "opt_out"
    assert revocation["evidence"]["rule"] and revocation["evidence"]["words"]
    assert customer.received()[1:] == [texts.opt_out_confirmation("en", ACME)]


@pytest.mark.parametrize("body", NOT_OPT_OUTS)
def test_a_negation_or_another_sense_of_the_word_does_not_revoke(
    customer: Customer, body: str
) -> None:
    customer.text(body)

    assert customer.consent() == GRANTED
    assert [r["action"] for r in customer.history()] == ["grant"]
    assert customer.received()[1:] == [texts.acknowledgment("en", ACME)]
    [reply] = replies(customer)
    assert (reply["body"], reply["kind"], reply["verdict"]) == (body, "other", "not_opt_out")


def test_every_reply_keeps_the_verdict_the_rule_and_the_words_that_decided_it(
    customer: Customer,
) -> None:
    for body in ("Is the queue moving?", "which bus stop?", "not interested", "Stop contacting me"):
        customer.text(body)

    read = [(r["body"], r["verdict"], r["rule"], r["words"]) for r in replies(customer)]
    assert read == [
        ("Is the queue moving?", "not_opt_out", "no_request", []),
        ("which bus stop?", "not_opt_out", "other_sense", ["bus", "stop"]),
        ("not interested", "unclear", "unclear", ["not", "interested"]),
        ("Stop contacting me", "opt_out", "stop_request", ["stop", "contacting"]),
    ]
    revocations = [r["evidence"] for r in customer.history() if r["action"] == "revoke"]
    assert [(e["verdict"], e["rule"], e["words"]) for e in revocations] == [
        ("unclear", "unclear", ["not", "interested"]),
        ("opt_out", "stop_request", ["stop", "contacting"]),
    ]


@pytest.mark.parametrize("body", UNCLEAR)
def test_an_unclear_reply_stops_texts_at_once_and_asks_once_whether_it_meant_stop(
    customer: Customer, body: str
) -> None:
    customer.text(body)
    customer.event("ticket.updated", ticket={"id": "A17", "position": 2, "eta_minutes": 8})
    customer.text("no more")  # unclear again: recorded, not confirmed again
    customer.event("ticket.called", ticket={"id": "A17", "counter": "desk 3"})

    assert customer.consent() == BOTH
    revocation = customer.history()[-2]
    assert (revocation["method"], revocation["evidence"]["verdict"]) == ("sms_free_text", "unclear")
    assert customer.received()[1:] == [
        "Acme won't text you again. Meant something else? Reply START to keep your updates."
    ]
    log = {m["kind"]: (m["decision"], m["reason"]) for m in customer.messages()}
    assert log["position_update"] == ("blocked", "opted_out")
    assert log["called"] == ("blocked", "opted_out")


def test_after_an_unclear_reply_start_brings_the_texts_back(customer: Customer) -> None:
    customer.text("wrong number")
    customer.event("ticket.updated", ticket={"id": "A17", "position": 2, "eta_minutes": 8})

    customer.text("START")
    customer.event("ticket.called", ticket={"id": "A17", "counter": "desk 3"})

    assert customer.consent() == GRANTED
    received = customer.received()[1:]
    assert received[:2] == [
        texts.opt_out_confirmation_unclear("en", ACME),
        texts.opt_in_confirmation("en", ACME),
    ]
    [called] = received[2:]
    assert "It's your turn, ticket A17!" in called and "desk 3" in called


def test_the_unclear_question_speaks_the_customers_language(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio, phone="+34612345678")
    me.join(locale="es")

    me.text("no more")

    assert me.received()[-1] == texts.opt_out_confirmation_unclear("es", ACME)
