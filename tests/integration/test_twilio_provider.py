"""The Twilio provider reads the environment's proxy settings once, at start, and keeps them."""

from __future__ import annotations

import pytest

from notifier.sending.providers import OutgoingText
from notifier.sending.providers.twilio import TwilioProvider
from tests.conftest import SENDER
from tests.fakes.twilio import FakeTwilio

# A host no resolver knows: a text reaches the fake only through the proxy.
UNRESOLVABLE = "http://api.twilio.invalid"
TEXT = OutgoingText("+15551230001", SENDER, "Your table is ready.", None)


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def provider(fake: FakeTwilio, base_url: str) -> TwilioProvider:
    return TwilioProvider(fake.account_sid, fake.auth_token, base_url, connections=8)


def test_texts_go_through_the_proxy_the_environment_names(
    fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", fake_twilio.base_url)
    sending = provider(fake_twilio, UNRESOLVABLE)
    monkeypatch.delenv("HTTP_PROXY")  # read at start: later changes are not looked at

    receipts = [sending.send(TEXT), sending.send(TEXT)]

    assert [m.sid for m in fake_twilio.messages] == [r.provider_sid for r in receipts]
    assert {r.headers["Host"] for r in fake_twilio.requests} == {"api.twilio.invalid"}


def test_hosts_the_environment_exempts_are_reached_directly(
    fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on the discard port: a text sent through this proxy would fail.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    provider(fake_twilio, fake_twilio.base_url).send(TEXT)

    assert len(fake_twilio.messages) == 1
