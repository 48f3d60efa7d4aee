"""The compliance console: a staff member's client, accounts, and a number with a story."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from notifier.clock import FixedClock
from notifier.compliance import staff
from notifier.services import Services
from tests.conftest import START, Api, LiveServer, run_worker, use_fake_twilio
from tests.e2e.customer import Customer, put_desk
from tests.fakes.twilio import FakeTwilio

TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@pytest.fixture
def overrides(overrides: dict[str, Any], fake_twilio: FakeTwilio) -> dict[str, Any]:
    """Send through the real Twilio client to the fake, as the end-to-end tests do."""
    return use_fake_twilio(overrides, fake_twilio)


def make_staff(svc: Services, name: str, role: str, timezone: str = "America/New_York") -> str:
    """A console account; answers its password."""
    password = f"{name}-has-a-long-password"
    with svc.db.session() as session:
        staff.create_account(session, name, role, password, svc.clock.now(), timezone)
    return password


def csrf_token(page: TestResponse) -> str:
    """The CSRF token of a page's forms."""
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, "the page has no form with a CSRF token"
    return found.group(1) or found.group(2)


class Staff:
    """A staff member at the console, through Flask's test client."""

    def __init__(self, client: FlaskClient, name: str, password: str) -> None:
        self.client, self.name, self.password = client, name, password

    def sign_in(self, password: str | None = None, **extra: str) -> TestResponse:
        """Fill in and send the sign-in form."""
        token = csrf_token(self.client.get("/console/sign-in"))
        form = {"csrf_token": token, "name": self.name, "password": password or self.password}
        return self.client.post("/console/sign-in", data={**form, **extra})

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        """Open a page."""
        return self.client.get(path, **kwargs)

    def post(self, path: str, **data: str) -> TestResponse:
        """Send a form, with the CSRF token a page of the console gave."""
        token = csrf_token(self.client.get("/console/numbers"))
        return self.client.post(path, data={"csrf_token": token, **data})

    def open_number(self, phone: str) -> TestResponse:
        """Search a number and follow to its page."""
        return self.post("/console/numbers", phone=phone)


def signed_in(app: Flask, svc: Services, name: str, role: str) -> Staff:
    """A new staff member of `role`, signed in."""
    member = Staff(app.test_client(), name, make_staff(svc, name, role))
    answer = member.sign_in()
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return member


@pytest.fixture
def admin(app: Flask, svc: Services) -> Staff:
    """An admin, signed in."""
    return signed_in(app, svc, "ada", "admin")


@pytest.fixture
def auditor(app: Flask, svc: Services) -> Staff:
    """An auditor, signed in."""
    return signed_in(app, svc, "otto", "auditor")


@pytest.fixture
def opted_out(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, clock: FixedClock
) -> Customer:
    """A customer who joined with a kiosk opt-in, was texted (delivered), then replied STOP two
    minutes later and was sent the confirmation."""
    put_desk(api)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    run_worker(svc)
    fake_twilio.send_status(fake_twilio.messages[0].sid, "delivered")
    clock.set(START + timedelta(minutes=2))
    me.text("STOP")
    run_worker(svc)
    return me


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly, at the end of the run, when the console's browser tests could not run."""
    from tests.console.browser import CHROMEDRIVER, CHROMIUM, MISSING

    if not (CHROMIUM and CHROMEDRIVER):
        terminalreporter.write_line(
            f"The console's browser tests were SKIPPED: {MISSING}.", yellow=True, bold=True
        )
