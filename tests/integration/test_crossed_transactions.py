"""Work whose transaction PostgreSQL rolls back for crossing another's (a deadlock) is done
again: the event is answered as if nothing had happened."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from notifier.models import Ticket
from notifier.services import Services
from tests.conftest import Api, joined

WAIT_SECONDS = 10
PHONE = "+13055550101"


def until_a_transaction_waits_for_a_lock(watch: Connection) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while not watch.execute(waiting).scalar():
        assert time.monotonic() < deadline, "the event never came to wait for the ticket"
        watch.rollback()  # a transaction sees the activity as it was when it began
        time.sleep(0.005)


def post_alone(api: Api, event_id: str) -> int:
    """Post the second `A1` event with a client of its own (a thread's): answer its status."""
    client = Api(api.base_url, api.key)
    try:
        return client.event(joined(event_id, "A1", PHONE)).status_code
    finally:
        client.http.close()


@pytest.mark.postgres_only
def test_an_event_that_deadlocks_with_another_transaction_is_done_again(
    svc: Services, api: Api
) -> None:
    if svc.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns: they cannot deadlock")
    api.put_queue("desk")
    assert api.event(joined("evt-1", "A1", PHONE)).status_code == 202
    answers: list[int] = []

    with svc.db.engine.connect() as other, svc.db.engine.connect() as watch:
        other.execute(sa.text("SET LOCAL deadlock_timeout = '30s'"))  # the event finds it
        other.execute(sa.text("UPDATE tickets SET version = version WHERE ticket_id = 'A1'"))
        # The same ticket id and number again: the event holds the number's row, then waits
        # to close the ticket this transaction holds...
        posting = threading.Thread(target=lambda: answers.append(post_alone(api, "evt-2")))
        posting.start()
        until_a_transaction_waits_for_a_lock(watch)
        # ...and this transaction waits for the number's row: a deadlock, which ends the event's.
        other.execute(sa.text("SELECT pseudonym FROM subjects FOR UPDATE"))
        other.commit()
        posting.join(WAIT_SECONDS)

    assert answers == [202]
    with svc.db.session(write=False) as session:
        states = session.execute(sa.select(Ticket.state, Ticket.close_reason)).all()
    assert sorted(tuple(s) for s in states) == [("closed", "replaced"), ("waiting", None)]
