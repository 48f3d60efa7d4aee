"""End-to-end: real HTTP into the app, the real `twilio` client out to a fake Twilio."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.twilio import FakeTwilio

SENDER = "+15005550006"


@pytest.fixture
def overrides(overrides: dict[str, Any], fake_twilio: FakeTwilio) -> dict[str, Any]:
    """Send through the real Twilio client to the fake."""
    overrides.update(
        sms_provider="twilio",
        twilio_account_sid=fake_twilio.account_sid,
        twilio_auth_token=fake_twilio.auth_token,
        twilio_from_number=SENDER,
        twilio_api_base_url=fake_twilio.base_url,
    )
    return overrides
