"""The console's pages through Flask's test client: a number's story, masked numbers and their
audited reveal, downloads, erasure, the dashboard, and pages that never fail on odd input."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from notifier.clock import FixedClock
from notifier.compliance import story
from notifier.services import Services
from tests.conftest import START, make_key
from tests.console.conftest import Staff
from tests.e2e.customer import DIGITS, PHONE, Customer


def access_log(app: Flask, svc: Services, **params: str) -> list[dict[str, Any]]:
    """The staff-access log as `GET /v1/audit/access` exports it (JSON lines)."""
    key = make_key(svc, f"reader-{uuid.uuid4().hex}", ["audit:read"])
    answer = app.test_client().get(
        "/v1/audit/access", query_string=params, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [json.loads(line) for line in answer.get_data(as_text=True).splitlines()]


def actions(app: Flask, svc: Services) -> list[tuple[str, str, str | None]]:
    """Who did what to which pseudonym, oldest first."""
    return [(e["staff"], e["action"], e["subject"]) for e in access_log(app, svc)]


def test_the_story_of_an_opted_out_number_explains_each_decision(
    admin: Staff, opted_out: Customer, svc: Services, clock: FixedClock
) -> None:
    clock.set(START + timedelta(minutes=5))
    assert opted_out.join("B2", consent={})["reason"] == "opted_out"

    page = admin.open_number("(305) 555-0142")

    assert page.status_code == 302
    html = admin.get(page.headers["Location"]).get_data(as_text=True)
    assert "Revoked peak-hour warnings, queue updates by text &#39;STOP&#39;" in html
    assert "blocked: opted out by text &#39;STOP&#39; on 28 Nov 11:07" in html
    assert "allowed: consent given at a kiosk on 28 Nov 11:05" in html
    assert "Text me about my place and busy hours." in html  # the disclosure, with its version
    assert "kiosk-7" in html
    assert "Suppressed: nothing is texted to this number." in html
    assert html.count('class="record ') == 2 and html.count('class="text ') == 3


def test_a_number_that_is_not_one_is_said_so(admin: Staff) -> None:
    answer = admin.open_number("12345")

    assert answer.status_code == 422
    assert "This is not a phone number we can read" in answer.get_data(as_text=True)


def test_opening_a_number_is_logged_with_its_pseudonym_never_the_number(
    app: Flask, admin: Staff, opted_out: Customer, svc: Services
) -> None:
    subject = svc.pseudonymize(PHONE)

    admin.get(admin.open_number(PHONE).headers["Location"])
    admin.get(f"/console/numbers/{subject}?texts=2")

    assert actions(app, svc) == [
        ("ada", "sign_in", None),
        ("ada", "view", subject),
        ("ada", "view", subject),
    ]
    entries = access_log(app, svc)
    assert all(DIGITS not in json.dumps(e) for e in entries)
    assert entries[-1]["role"] == "admin" and entries[-1]["address"] == "127.0.0.1"


def test_the_access_log_exports_as_csv_and_needs_a_key(
    app: Flask, admin: Staff, svc: Services
) -> None:
    key = make_key(svc, "reader", ["audit:read"])

    answer = app.test_client().get(
        "/v1/audit/access?format=csv", headers={"Authorization": f"Bearer {key}"}
    )

    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert [(r["staff"], r["action"], r["subject"]) for r in rows] == [("ada", "sign_in", "")]
    assert app.test_client().get("/v1/audit/access").status_code == 401


def test_a_number_is_masked_until_revealed_and_each_reveal_is_logged(
    app: Flask, auditor: Staff, opted_out: Customer, svc: Services
) -> None:
    subject = svc.pseudonymize(PHONE)
    page = f"/console/numbers/{subject}"

    before = auditor.get(page).get_data(as_text=True)
    revealed = auditor.post(f"{page}/reveal")
    after = auditor.get(page).get_data(as_text=True)

    assert "•••• 0142" in before and DIGITS not in before
    assert revealed.status_code == 302
    assert PHONE in after
    assert [a for _, a, s in actions(app, svc) if s == subject] == ["view", "reveal", "view"]


def test_a_form_without_its_csrf_token_is_refused_and_does_nothing(
    app: Flask, admin: Staff, opted_out: Customer, svc: Services
) -> None:
    subject = svc.pseudonymize(PHONE)

    reveal = admin.client.post(f"/console/numbers/{subject}/reveal")
    erase = admin.client.post(f"/console/numbers/{subject}/erase", data={"phone": PHONE})
    forged = admin.client.post(
        f"/console/numbers/{subject}/erase", data={"phone": PHONE, "csrf_token": "forged"}
    )

    assert (reveal.status_code, erase.status_code, forged.status_code) == (400, 400, 400)
    assert "did not come from this console" in erase.get_data(as_text=True)
    assert [a for _, a, _ in actions(app, svc)] == ["sign_in"]
    assert story.phone_of(svc.db, subject) == PHONE


def test_an_auditor_can_neither_erase_nor_read_the_access_log(
    app: Flask, auditor: Staff, opted_out: Customer, svc: Services
) -> None:
    subject = svc.pseudonymize(PHONE)

    confirm = auditor.get(f"/console/numbers/{subject}/erase")
    erase = auditor.post(f"/console/numbers/{subject}/erase", phone=PHONE)
    everything = auditor.post(f"/console/numbers/{subject}/everything")
    log = auditor.get("/console/access")
    html = auditor.get(f"/console/numbers/{subject}").get_data(as_text=True)

    assert [r.status_code for r in (confirm, erase, everything, log)] == [403, 403, 403, 403]
    assert "Only an admin may do this." in erase.get_data(as_text=True)
    assert 'id="erase"' not in html
    assert story.phone_of(svc.db, subject) == PHONE
    assert "erase" not in [a for _, a, _ in actions(app, svc)]


def test_erasure_needs_the_number_typed_again_then_shows_what_remains(
    app: Flask, admin: Staff, opted_out: Customer, svc: Services
) -> None:
    subject = svc.pseudonymize(PHONE)
    erase = f"/console/numbers/{subject}/erase"

    wrong = admin.post(erase, phone="+13055550199")
    right = admin.post(erase, phone="(305) 555-0142")
    html = admin.get(f"/console/numbers/{subject}").get_data(as_text=True)

    assert wrong.status_code == 422
    assert "That is not this number: nothing was erased." in wrong.get_data(as_text=True)
    assert right.status_code == 302
    assert DIGITS not in html and "Text me about my place" in html
    assert "What remains after erasure: 3 pseudonymous ledger records" in html
    assert "Suppressed: nothing is texted to this number." in html
    assert "by erasure of the number" in html
    assert [a for _, a, s in actions(app, svc) if s == subject][-2:] == ["erase", "view"]
    assert opted_out.consent() == {"queue_updates": "revoked", "peak_alerts": "revoked"}


def test_everything_held_downloads_as_json_for_an_admin_and_is_logged(
    app: Flask, admin: Staff, opted_out: Customer, svc: Services
) -> None:
    subject = svc.pseudonymize(PHONE)

    answer = admin.post(f"/console/numbers/{subject}/everything")

    document = json.loads(answer.get_data(as_text=True))
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert document["phone"] == PHONE
    assert [m["kind"] for m in document["messages"]] == ["joined", "opt_out_confirmation"]
    assert ("ada", "download", subject) in actions(app, svc)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_exports_download_streamed_and_are_logged(
    app: Flask, auditor: Staff, opted_out: Customer, svc: Services, fmt: str
) -> None:
    answer = auditor.post(
        "/console/exports", kind="messages", format=fmt, since="2026-11-28", until="2026-11-28"
    )
    consents = auditor.post("/console/exports", kind="consents", format=fmt, phone=PHONE)

    assert answer.status_code == 200 and answer.is_streamed
    text = answer.get_data(as_text=True)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    assert [r["kind"] for r in rows] == ["joined", "opt_out_confirmation"]
    assert len(consents.get_data(as_text=True).strip().splitlines()) == 2 + (fmt == "csv")
    logged = [e for e in access_log(app, svc) if e["action"] == "download"]
    assert [e["detail"] for e in logged] == [
        f"messages {fmt} 2026-11-28..2026-11-28",
        f"consents {fmt} all days",
    ]
    assert logged[1]["subject"] == svc.pseudonymize(PHONE)


def test_an_export_of_other_days_is_empty(auditor: Staff, opted_out: Customer) -> None:
    answer = auditor.post(
        "/console/exports", kind="messages", format="csv", since="2026-11-29", until="2026-11-30"
    )

    assert answer.get_data(as_text=True).splitlines()[1:] == []


def test_the_dashboard_counts_what_became_of_the_texts(admin: Staff, opted_out: Customer) -> None:
    page = admin.get("/console/?since=2026-11-22&until=2026-11-28")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "What became of the texts decided each day" in html
    assert '<strong id="decided">2</strong>' in html
    saturday = html.split("Sat 28 Nov</th>")[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in saturday.split("</td>")[:-1]]
    # decided, then delivered, sent, failed, blocked, skipped, waiting
    assert cells == ["2", "1", "1", "0", "0", "0", "0"]
    assert "“STOP”" in html
    assert "50.0 %" in html  # one opt-out by reply, two texts sent


@pytest.mark.parametrize(
    "path",
    [
        "/console/?since=yesterday",
        "/console/?since=2026-11-28&until=2026-01-01",
        "/console/?since=2020-01-01&until=2026-11-28",
        "/console/?queue=nope",
        "/console/?since=%00&until=%ff&queue[]=1",
        "/console/numbers/not-a-pseudonym",
        "/console/numbers/" + "a" * 64 + "?texts=-3&records=x",
        "/console/numbers/" + "a" * 64 + "?texts=99999999999999999999999",
        "/console/access?before=abc",
        "/console/access?before=-1",
        "/console/ledger?x=%zz",
        "/console/exports?kind=everything",
        "/console/sign-in?next=https://evil.example/",
    ],
)
def test_odd_query_strings_never_answer_5xx(admin: Staff, path: str) -> None:
    answer = admin.get(path)

    assert answer.status_code < 500, answer.get_data(as_text=True)
