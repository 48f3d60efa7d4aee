"""No full phone number in any log: gunicorn and a worker run for real, and all they write is read.

Every route is called with a number in every form a caller may write it (in the path, in the
query string, in the body), through gunicorn with its access log on; then an RQ worker drains
the queues. Whatever either process, and the CLI that made the key, wrote to stdout or stderr
is searched for the number, read the way a person would read it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import phonenumbers
import pytest
import requests
from twilio.request_validator import RequestValidator

import notifier.app  # noqa: F401  (registers every route)
from notifier.api.routing import OPERATIONS
from notifier.config import PROJECT_ROOT
from tests.conftest import SENDER
from tests.fakes.twilio import FakeTwilio

BIN = Path(sys.executable).parent
PUBLIC_BASE_URL = "https://notifier.example"
DEADLINE_SECONDS = 30
# Each number's national digits, and the forms it is written in.
NUMBERS = {
    "3055550142": [
        "+13055550142",
        "+1 (305) 555-0142",
        "+1/305/555/0142",
        "+1.305.555.0142",
        "%2B13055550142",
        "%2B1%33%30%35%35%35%35%30%31%34%32",
        "+1\u2011305\u2011555\u20110142",  # non-breaking hyphens
        "+1\u2013305\u2013555\u20130142",  # en dashes
        "\uff0b\uff11\uff13\uff10\uff15\uff15\uff15\uff15\uff10\uff11\uff14\uff12",  # full width
        "+\u0661\u0663\u0660\u0665\u0665\u0665\u0665\u0660\u0661\u0664\u0662",  # Arabic-Indic
        "+1-305-JKL-0142",  # vanity letters
        "(305) 555-0142",
    ],
    "51234567": ["+37251234567", "+372 5123 4567", "%2B372%205123%204567", "+372-5123-4567"],
}


@dataclass
class Process:
    """A process of the service, its output kept in a file."""

    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """All it wrote so far, stdout and stderr."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Ask it to stop, and wait until it has."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        self.popen.wait(timeout=DEADLINE_SECONDS)


def start(command: list[str], env: dict[str, str], log: Path) -> Process:
    """Run `command` from the project root, stdout and stderr to `log`."""
    with log.open("wb") as out:
        popen = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return Process(popen, log)


@pytest.fixture
def environment(
    database_url: str, redis_url: str, fake_twilio: FakeTwilio, tmp_path: Path
) -> dict[str, str]:
    """The environment of every process: this test's database, Redis and fake Twilio."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMS_"))}
    env.update(
        NOTIFIER_ENV="test",
        NOTIFIER_VAR_DIR=str(tmp_path),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        TWILIO_FROM_NUMBER=SENDER,
        TWILIO_API_BASE_URL=fake_twilio.base_url,
        SENDER_MPS="100",
    )
    return env


@pytest.fixture
def gunicorn(environment: dict[str, str], tmp_path: Path) -> Iterator[tuple[Process, str]]:
    """The web process as the Procfile runs it, on a free port; and its URL."""
    command = [
        str(BIN / "gunicorn"),
        "--config",
        "python:notifier.gunicorn_config",
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
        "--no-control-socket",
    ]
    web = start([*command, "--access-logfile", "-", "wsgi:app"], environment, tmp_path / "web.log")
    try:
        yield web, _listening(web)
    finally:
        web.stop()


def _listening(web: Process) -> str:
    """The URL gunicorn says it listens at, once its worker answers."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", web.output())
        if found and _answers(found.group(1)):
            return found.group(1)
        assert web.popen.poll() is None, web.output()
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start:\n{web.output()}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or its worker still booting
        return False


def run(command: list[str], env: dict[str, str], log: Path) -> str:
    """Run a command to its end; answer what it wrote."""
    process = start(command, env, log)
    process.popen.wait(timeout=DEADLINE_SECONDS * 4)
    assert process.popen.returncode == 0, process.output()
    return process.output()


def calls(written: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every route, called with the number as written: in its path, its query and its body."""
    for op in OPERATIONS:
        path = re.sub(r"\{[a-z_]+\}", lambda _: quote(written, safe="%/+()"), op.path)
        query = "phone=" + quote(written, safe="%+()")
        yield op.method, f"{path}?{query}", _body(op.path, written)


def _body(path: str, written: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    if path == "/v1/events":
        ticket = {"id": "A17", "phone": unquote(written), "position": 3}
        event = {"id": f"e-{written}", "type": "ticket.joined", "occurred_at": now}
        return {"json": {**event, "queue_id": "desk", "ticket": ticket, "consent": CONSENT}}
    if path == "/v1/consents":
        return {"json": {**CONSENT, "phone": unquote(written), "captured_at": now}}
    if path.startswith("/v1/queues/"):
        return {"json": {"name": "Desk", "timezone": "America/New_York", "contact": written}}
    return {}


CONSENT = {"purposes": ["queue_updates"], "action": "grant", "method": "kiosk"}


def inbound(url: str, written: str, token: str) -> requests.Response:
    """A customer's text from the number, signed as Twilio signs it."""
    form = {"MessageSid": "SM" + os.urandom(16).hex(), "From": written, "To": SENDER}
    form["Body"] = f"Call me back on {written}"
    signature = RequestValidator(token).compute_signature(
        PUBLIC_BASE_URL + "/v1/twilio/inbound", form
    )
    return requests.post(
        url + "/v1/twilio/inbound", data=form, headers={"X-Twilio-Signature": signature}, timeout=10
    )


def shows(output: str, digits: str) -> bool:
    """Whether `output` gives the number away: its digits in order, however written."""
    text = unicodedata.normalize("NFKC", unquote(output))
    text = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)
    text = phonenumbers.convert_alpha_characters_in_number(text)
    return re.search(r"\D{0,3}".join(digits), text) is not None


def test_no_process_writes_a_full_phone_number(
    gunicorn: tuple[Process, str], environment: dict[str, str], tmp_path: Path
) -> None:
    web, url = gunicorn
    flask = [str(BIN / "flask"), "--app", "wsgi", "keys", "create", "logs", "--scopes", "admin"]
    cli = run(flask, environment, tmp_path / "cli.log")
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {cli.strip().splitlines()[-1]}"
    http.put(url + "/v1/queues/desk", json={"name": "Desk", "timezone": "America/New_York"})

    answers = []
    for written in [w for forms in NUMBERS.values() for w in forms]:
        for method, target, body in calls(written):
            answers.append(http.request(method, url + target, timeout=10, **body).status_code)
        answers.append(inbound(url, written, environment["TWILIO_AUTH_TOKEN"]).status_code)
    rq = [str(BIN / "rq"), "worker", "--burst", "--worker-class", "workers.worker.Worker"]
    worker = run(
        [*rq, "--url", environment["REDIS_URL"], "urgent", "default", "bulk"],
        environment,
        tmp_path / "worker.log",
    )
    web.stop()

    assert 500 not in answers
    assert 202 in answers and 201 in answers  # numbers were taken, texts decided
    assert "Listening at" in web.output() and '"GET /healthz' in web.output()  # logs were kept
    for name, output in (("web", web.output()), ("worker", worker), ("cli", cli)):
        for digits in NUMBERS:
            assert not shows(output, digits), f"{name} wrote {digits}:\n{output}"
