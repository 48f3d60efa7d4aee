"""Fixtures for breaking things under a running service: a Redis of the test's own, the API on
real HTTP, the real `twilio` client out to the fake, and workers and relays as real processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SENDER, Api, LiveServer, joined, use_fake_twilio
from tests.fakes.twilio import FakeTwilio
from tests.servers import RedisServer, ServiceProcess


@pytest.fixture
def overrides(
    overrides: dict[str, Any], redis_server: RedisServer, fake_twilio: FakeTwilio
) -> dict[str, Any]:
    """The app on this test's own Redis, sending through the real Twilio client to the fake."""
    overrides["redis_url"] = redis_server.url
    return use_fake_twilio(overrides, fake_twilio)


def service_env(overrides: dict[str, Any], live: LiveServer, **more: str) -> dict[str, str]:
    """The environment of a worker or relay process sharing the app's database and Redis."""
    return {
        **os.environ,
        "NOTIFIER_ENV": "test",
        "NOTIFIER_VAR_DIR": str(overrides["var_dir"]),
        "DATABASE_URL": overrides["database_url"],
        "REDIS_URL": overrides["redis_url"],
        "TWILIO_ACCOUNT_SID": overrides["twilio_account_sid"],
        "TWILIO_AUTH_TOKEN": overrides["twilio_auth_token"],
        "TWILIO_FROM_NUMBER": SENDER,
        "TWILIO_API_BASE_URL": overrides["twilio_api_base_url"],
        "PUBLIC_BASE_URL": live.url,
        "SENDER_MPS": "1000",
        "PYTHONUNBUFFERED": "1",
        **more,
    }


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[[str, dict[str, str]], ServiceProcess]]:
    """Start service processes (`worker`, `relay`) as the Procfile does; all stopped after."""
    started: list[ServiceProcess] = []

    def start(kind: str, env: dict[str, str]) -> ServiceProcess:
        process = ServiceProcess(kind, env, tmp_path / f"{kind}-{len(started)}.log")
        process.start()
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.stop()


def phone(n: int) -> str:
    """The n-th customer's number."""
    return f"+1305550{n:04d}"


def joined_now(n: int) -> dict[str, Any]:
    """The n-th customer joins the desk queue, now, with a kiosk opt-in."""
    body = joined(f"evt-{n}", f"A{n}", phone(n))
    body["occurred_at"] = datetime.now(UTC).isoformat()
    return body


def accept(api: Api, n: int) -> None:
    """Post the n-th customer's joining; it must be accepted."""
    answer = api.event(joined_now(n))
    assert answer.status_code == 202, answer.text


def texted(twilio: FakeTwilio) -> dict[str, int]:
    """How many texts each number got."""
    counts: dict[str, int] = {}
    for message in twilio.messages:
        counts[message.to] = counts.get(message.to, 0) + 1
    return counts
