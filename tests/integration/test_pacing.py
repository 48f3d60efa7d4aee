"""Per-sender pacing on a real Redis: slots one interval apart, far slots handed back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from notifier.models import Message
from notifier.sending.pacing import SenderPacer
from notifier.services import Services
from tests.conftest import joined
from workers.deliver import deliver


def test_slots_are_one_interval_apart_and_a_far_slot_is_not_taken(svc: Services) -> None:
    pacer = SenderPacer(svc.redis, per_second=2)

    taken = [pacer.reserve("+15005550006", max_wait=1.0) for _ in range(3)]
    refused = pacer.reserve("+15005550006", max_wait=1.0)
    other = pacer.reserve("+15005550007", max_wait=1.0)

    assert [granted for granted, _ in taken] == [True, True, True]
    waits = [wait for _, wait in taken]
    assert waits[0] == pytest.approx(0, abs=0.05)
    assert waits[1] == pytest.approx(0.5, abs=0.05)
    assert waits[2] == pytest.approx(1.0, abs=0.05)
    assert refused[0] is False and refused[1] == pytest.approx(1.5, abs=0.05)
    assert other[0] is True and other[1] == pytest.approx(0, abs=0.05)  # senders are apart


@pytest.fixture
def overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """One text every 100 seconds: the second of two must wait its turn."""
    overrides["sender_mps"] = 0.01
    return overrides


def test_a_text_beyond_the_senders_rate_goes_back_on_the_queue_for_later(
    app: Any, svc: Services, admin_key: str
) -> None:
    client: FlaskClient = app.test_client()
    headers = {"Authorization": f"Bearer {admin_key}"}
    client.put(
        "/v1/queues/desk", json={"name": "Desk", "timezone": "America/New_York"}, headers=headers
    )
    ids = [
        client.post(
            "/v1/events", json=joined(f"e{n}", f"A{n}", f"+1305555010{n}"), headers=headers
        ).get_json()["notifications"][0]["id"]
        for n in (1, 2)
    ]

    assert deliver(ids[0]) == "sent"
    assert deliver(ids[1]) == "deferred"

    with svc.db.session() as session:
        later = session.get_one(Message, ids[1])
        assert later.status == "pending"
        assert later.send_at is not None
        assert later.send_at - svc.clock.now() > timedelta(seconds=90)
