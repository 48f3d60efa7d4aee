"""An event reads its queue as it stands: a change to the queue shows in the next event's text."""

from __future__ import annotations

from notifier.models import Message
from notifier.services import Services
from tests.conftest import Api, joined


def test_an_event_after_its_queue_changed_is_texted_with_the_new_settings(
    svc: Services, api: Api
) -> None:
    api.put_queue("desk", brand="Acme")
    before = api.event(joined("evt-1", "A1", "+13055550101"))
    api.put_queue("desk", brand="Zenith Bank")
    after = api.event(joined("evt-2", "A2", "+13055550102"))

    assert (before.status_code, after.status_code) == (202, 202)
    with svc.db.session(write=False) as session:
        first, second = (
            session.get_one(Message, answer.json()["notifications"][0]["id"]).body or ""
            for answer in (before, after)
        )
    assert "Acme" in first
    assert "Zenith Bank" in second
    assert "Acme" not in second
