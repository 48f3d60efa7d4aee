"""`flask --app wsgi sms inbound`: a newcomer texts the running service through the signed path."""

from __future__ import annotations

import hashlib
import hmac
import re
import textwrap
import time
from typing import Any

from flask import Flask

from notifier.config import PROJECT_ROOT
from notifier.services import Services
from tests.conftest import Api, LiveServer
from tests.e2e.customer import PHONE, Customer, put_desk
from tests.fakes.twilio import FakeTwilio

REVOKED = {"queue_updates": "revoked", "peak_alerts": "revoked"}
GRANTED = {"queue_updates": "granted", "peak_alerts": "granted"}


def text(app: Flask, *args: str) -> str:
    """Run the command as a newcomer would; answer its output."""
    done = app.test_cli_runner().invoke(args=["sms", "inbound", *args])
    assert done.exit_code == 0, done.output
    return done.output


def test_stop_status_help_and_start_work_through_the_signed_webhook(
    app: Flask, api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio
) -> None:
    put_desk(api, contact="acme.example/help")
    customer = Customer(api, svc, live, fake_twilio)
    customer.join()

    answers, consent = [], []
    for body in ("STATUS", "HELP", "STOP", "START"):
        posted = text(app, PHONE, body)
        answers.append(customer.received()[-1])  # the worker sends each answer in turn
        consent.append(customer.consent())

    status, help_, stop, start = answers
    assert "HTTP 200" in posted and "/v1/twilio/inbound" in posted
    assert "number 4" in status and "acme.example/help" in help_
    assert "START" in stop and consent[2] == REVOKED
    assert "opted back in" in start and consent[3] == GRANTED


def test_a_number_without_its_country_code_is_refused_plainly(app: Flask, live: LiveServer) -> None:
    done = app.test_cli_runner().invoke(args=["sms", "inbound", "555-0142", "STOP"])

    assert done.exit_code != 0 and "country code" in done.output


def test_keys_list_shows_names_and_scopes_never_keys(app: Flask, admin_key: str) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["keys", "create", "booking", "--scopes", "events:write"])
    runner.invoke(args=["keys", "revoke", "booking"])

    listed = runner.invoke(args=["keys", "list"])

    lines = listed.output.splitlines()
    assert listed.exit_code == 0 and len(lines) == 2
    assert lines[0].startswith("admin\t") and "\tadmin\t" in lines[0] and "active" in lines[0]
    assert "events:write" in lines[1] and "revoked" in lines[1]
    assert admin_key not in listed.output and admin_key[:10] in lines[0]


def test_the_reply_webhook_key_verifies_a_forwarded_signature(app: Flask, svc: Services) -> None:
    from workers.forward import signature, signing_key

    shown = app.test_cli_runner().invoke(args=["keys", "reply-webhook"]).output.strip()
    body, timestamp = b'{"body": "is my table ready?"}', "1795881900"
    mac = hmac.new(bytes.fromhex(shown), timestamp.encode() + b"." + body, hashlib.sha256)

    expected = signature(signing_key(svc.settings.secret_key), timestamp, body)
    assert "sha256=" + mac.hexdigest() == expected


def test_the_readmes_check_accepts_a_forwarded_signature_and_nothing_else(
    app: Flask, svc: Services
) -> None:
    from workers.forward import signature, signing_key

    readme = (PROJECT_ROOT / "README.md").read_text()
    [snippet] = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(textwrap.dedent(snippet), namespace)  # the producer's code, as the README gives it
    shown = app.test_cli_runner().invoke(args=["keys", "reply-webhook"]).output.strip()
    body, now = b'{"body": "is my table ready?"}', str(int(time.time()))
    signed = signature(signing_key(svc.settings.secret_key), now, body)
    headers = {"X-Notifier-Timestamp": now, "X-Notifier-Signature": signed}

    assert namespace["is_ours"](shown, headers, body)
    assert not namespace["is_ours"](shown, headers, body + b" ")
    assert not namespace["is_ours"](shown, {**headers, "X-Notifier-Timestamp": "1795881900"}, body)
