"""Group commit: events that arrive while another transaction runs share the next one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from notifier.models import ConsentRecord, Event, Ticket
from notifier.services import Services
from notifier.work import UnitOfWork, Work
from tests.conftest import Api, joined

WAIT_SECONDS = 10


@contextmanager
def leader_busy(unit: UnitOfWork) -> Iterator[None]:
    """Every leader's unit of work in its transaction until the block ends: acts brought
    meanwhile wait."""
    release = threading.Event()

    def busy(inside: threading.Event) -> None:
        def act(work: Work) -> None:
            work.session.connection()  # in its transaction, as a real act would be
            inside.set()
            release.wait(WAIT_SECONDS)

        unit.shared(act)

    leaders = []
    try:
        for _ in range(unit.leaders):  # one after another: each leads a unit of its own
            inside = threading.Event()
            leaders.append(threading.Thread(target=busy, args=(inside,)))
            leaders[-1].start()
            assert inside.wait(WAIT_SECONDS)
        yield
    finally:
        release.set()
        for leader in leaders:
            leader.join()


def until_waiting(unit: UnitOfWork, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while unit.waiting < count:
        assert time.monotonic() < deadline, f"{unit.waiting} of {count} acts came to wait"
        time.sleep(0.005)


def post_while_busy(svc: Services, api: Api, bodies: list[dict[str, Any]]) -> list[Any]:
    """Post `bodies` at once while a transaction runs; answer the responses, in order."""
    with ThreadPoolExecutor(len(bodies)) as pool:
        with leader_busy(svc.work):
            answers = [pool.submit(api_in_thread(api).event, body) for body in bodies]
            until_waiting(svc.work, len(bodies))
        return [answer.result() for answer in answers]


def api_in_thread(api: Api) -> Api:
    # A session of its own: requests' sessions are not to be shared between threads.
    return Api(api.base_url, api.key)


def commits(svc: Services) -> list[None]:
    """A list that grows by one at each commit of the service's database."""
    seen: list[None] = []
    event.listen(svc.db.engine, "commit", lambda _connection: seen.append(None))
    return seen


def tickets(svc: Services) -> list[str]:
    with svc.db.session(write=False) as session:
        return sorted(session.scalars(select(Ticket.ticket_id)))


def test_events_posted_during_a_transaction_share_the_next_and_each_gets_its_own_answer(
    svc: Services, api: Api
) -> None:
    api.put_queue("desk")
    bodies = [joined(f"evt-{n}", f"A{n}", f"+1305555010{n}") for n in range(4)]
    committed = commits(svc)

    answers = post_while_busy(svc, api, bodies)

    assert [a.status_code for a in answers] == [202] * 4
    for n, answer in enumerate(answers):
        (note,) = answer.json()["notifications"]
        assert (note["ticket_id"], note["kind"], note["decision"]) == (f"A{n}", "joined", "queued")
    assert len({a.json()["notifications"][0]["id"] for a in answers}) == 4
    assert len(committed) == svc.work.leaders + 1  # the busy leaders', then the four events'
    assert tickets(svc) == ["A0", "A1", "A2", "A3"]
    with svc.db.session(write=False) as session:
        numbers = sorted(session.scalars(select(ConsentRecord.seq)))
    assert numbers == list(range(numbers[0], numbers[0] + 4))  # each consent its own number


def test_a_bad_event_in_a_group_fails_only_itself(svc: Services, api: Api) -> None:
    api.put_queue("desk")
    first = api.event(joined("evt-first", "A1", "+13055550101"))
    assert first.status_code == 202
    bodies = [
        joined("evt-good-1", "A2", "+13055550102"),
        joined("evt-first", "A1", "+13055550101"),  # the same event again
        joined("evt-nowhere", "B1", "+13055550103", queue="nowhere"),
        joined("evt-good-2", "A3", "+13055550104"),
    ]

    good, again, nowhere, also_good = post_while_busy(svc, api, bodies)

    assert (good.status_code, also_good.status_code) == (202, 202)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert nowhere.status_code == 422
    assert nowhere.headers["Content-Type"] == "application/problem+json"
    assert "unknown queue 'nowhere'" in nowhere.json()["errors"][0]["message"]
    assert tickets(svc) == ["A1", "A2", "A3"]
    with svc.db.session(write=False) as session:
        accepted = sorted(session.scalars(select(Event.event_id)))
    assert accepted == ["evt-first", "evt-good-1", "evt-good-2"]  # the refused one left no row


def test_an_act_alone_runs_at_once_in_its_own_transaction(svc: Services) -> None:
    committed = commits(svc)

    def count_tickets(work: Work) -> int:
        return work.session.scalar(select(func.count()).select_from(Ticket)) or 0

    assert svc.work.shared(count_tickets) == 0
    assert len(committed) == 1
    assert svc.work.waiting == 0
