"""End-to-end: real HTTP into the app, the real `twilio` client out to a fake Twilio."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifier import embedded_redis
from tests.conftest import use_fake_twilio
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def overrides(overrides: dict[str, Any], fake_twilio: FakeTwilio) -> dict[str, Any]:
    """Send through the real Twilio client to the fake."""
    return use_fake_twilio(overrides, fake_twilio)


class OwnRedis:
    """A Redis server of this test's own, which the test stops and starts."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server (again)."""
        self.server = embedded_redis.start(self.socket)

    def stop(self) -> None:
        """Stop the server: the outage begins."""
        if self.server is not None:
            embedded_redis.stop(self.server)
            self.server = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """This test's own Redis, running."""
    redis = OwnRedis(tmp_path / "redis.sock")
    redis.start()
    yield redis
    redis.stop()
