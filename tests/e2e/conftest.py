"""End-to-end: real HTTP into the app, the real `twilio` client out to a fake Twilio."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import use_fake_twilio
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def overrides(overrides: dict[str, Any], fake_twilio: FakeTwilio) -> dict[str, Any]:
    """Send through the real Twilio client to the fake."""
    return use_fake_twilio(overrides, fake_twilio)
