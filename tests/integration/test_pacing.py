"""Per-sender pacing on a real Redis: never more than the sender's rate in any second, at 95% of
it or more, each text no sooner than its time, far slots handed back."""

from __future__ import annotations

import bisect
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from redis import Redis

from notifier.models import Message
from notifier.sending.courier import (
    PACING_AWAY,
    PACING_RETRY_SECONDS,
    Courier,
    _Claimed,
    _send,
    _Slotted,
    deliver_many,
)
from notifier.sending.pacing import SAFETY, SenderPacer
from notifier.sending.providers import OutgoingText, Receipt
from notifier.services import Services
from notifier.work import Due
from tests.conftest import joined
from tests.guard import forget_keys
from tests.servers import RedisServer
from workers.deliver import deliver

SENDER = "+15005550006"


def busiest_second(slots: list[float], late: float = 0.0) -> int:
    """The most slots in any window [t, t + 1 s) should each text reach the carrier up to
    `late` seconds after its slot, and the first of the window the latest."""
    slots = sorted(slots)
    return max(bisect.bisect_left(slots, t + late + 1.0) - i for i, t in enumerate(slots))


@pytest.mark.parametrize("per_second", [1, 5, 30])
def test_several_workers_together_keep_under_the_rate_in_any_second_and_near_it(
    svc: Services, per_second: int
) -> None:
    workers = [SenderPacer(svc.redis, per_second) for _ in range(4)]
    slots: list[float] = []
    for turn in range(per_second * 3):  # the workers ask in turn, a few texts each
        got = workers[turn % 4].reserve_many(SENDER, [0.0] * 3, horizon=60.0)
        slots += got.slots

    assert busiest_second(slots) == per_second
    # The room for a text's round trip: slots alone let one end a few ms late, before the check
    # at its start holds the next ones back.
    assert busiest_second(slots, late=0.008) == per_second
    rate = (len(slots) - 1) / (max(slots) - min(slots))
    assert per_second * 0.95 <= rate == pytest.approx(per_second * SAFETY, rel=1e-3)


def test_a_slot_is_never_before_its_texts_time(svc: Services) -> None:
    pacer = SenderPacer(svc.redis, per_second=100)

    got = pacer.reserve_many(SENDER, [0.0, 0.4, 0.4, 0.7], horizon=1.0)

    offsets = [slot - got.now for slot in got.slots]
    assert offsets[0] == pytest.approx(0, abs=0.01)
    assert offsets[1] == pytest.approx(0.4, abs=0.01)
    assert offsets[2] == pytest.approx(0.4 + pacer.interval, abs=0.01)
    assert offsets[3] == pytest.approx(0.7, abs=0.01)


def test_a_far_slot_is_not_taken_and_senders_are_apart(svc: Services) -> None:
    pacer = SenderPacer(svc.redis, per_second=2)

    taken = [pacer.reserve_many(SENDER, [0.0], horizon=1.0) for _ in range(2)]
    refused = pacer.reserve_many(SENDER, [0.0], horizon=1.0)
    other = pacer.reserve_many("+15005550007", [0.0], horizon=1.0)

    assert [got.granted for got in taken] == [1, 1]
    assert taken[0].slots[0] - taken[0].now == pytest.approx(0, abs=0.05)
    assert taken[1].slots[0] - taken[1].now == pytest.approx(pacer.interval, abs=0.05)
    assert refused.granted == 0
    assert refused.waiting(0) - refused.now == pytest.approx(2 * pacer.interval, abs=0.05)
    assert other.granted == 1
    assert other.slots[0] - other.now == pytest.approx(0, abs=0.05)


def test_texts_beyond_the_horizon_get_no_slot_and_wait_in_line_behind_it(
    svc: Services,
) -> None:
    pacer = SenderPacer(svc.redis, per_second=2)

    got = pacer.reserve_many(SENDER, [0.0] * 5, horizon=1.0)

    assert got.granted == 2
    assert [got.waiting(i) - got.now for i in range(3)] == pytest.approx(
        [2 * pacer.interval, 3 * pacer.interval, 4 * pacer.interval], abs=0.01
    )


def test_texts_due_soon_get_a_job_in_the_second_before_too_and_keep_the_later_one(
    svc: Services,
) -> None:
    now = svc.clock.now().replace(microsecond=0)
    soon = Due("msg_soon", "default", now + timedelta(seconds=5.3))
    later = Due("msg_later", "default", now + timedelta(hours=2, seconds=0.3))

    jobs = svc.dispatcher.plan([soon, later], [])

    assert [(job.row_ids, job.at) for job in jobs] == [
        (("msg_soon",), now + timedelta(seconds=4)),
        (("msg_soon",), now + timedelta(seconds=5)),  # last: the job its row will name
        (("msg_later",), now + timedelta(hours=2)),
    ]


@pytest.fixture
def overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """One text every 100 seconds: the second of two must wait its turn."""
    overrides["sender_mps"] = 0.01
    return overrides


def _decided(app: Any, admin_key: str, numbers: list[str]) -> list[str]:
    """The ids of the acknowledgments decided for tickets joined with these numbers, in order."""
    client: FlaskClient = app.test_client()
    headers = {"Authorization": f"Bearer {admin_key}"}
    client.put(
        "/v1/queues/desk", json={"name": "Desk", "timezone": "America/New_York"}, headers=headers
    )
    return [
        client.post(
            "/v1/events", json=joined(f"e{n}", f"A{n}", number), headers=headers
        ).get_json()["notifications"][0]["id"]
        for n, number in enumerate(numbers, 1)
    ]


def test_a_text_beyond_the_senders_rate_goes_back_on_the_queue_for_later(
    app: Any, svc: Services, admin_key: str
) -> None:
    ids = _decided(app, admin_key, ["+13055550101", "+13055550102"])

    assert deliver(ids[0]) == "sent"
    assert deliver(ids[1]) == "deferred"

    with svc.db.session() as session:
        later = session.get_one(Message, ids[1])
        assert later.status == "pending"
        assert later.send_at is not None
        assert later.send_at - svc.clock.now() > timedelta(seconds=90)


class _TimedProvider:
    """Takes every text at once and notes when (on the monotonic clock) each one started."""

    name = "timed"

    def __init__(self) -> None:
        self.started: list[tuple[str, float]] = []

    def send(self, text: OutgoingText) -> Receipt:
        self.started.append((text.sender, time.monotonic()))
        return Receipt(f"SM{len(self.started):032d}", "queued")


def _overdue(senders: list[str]) -> list[_Slotted]:
    """Texts whose slots all passed a second ago: the worker was held up."""
    overdue = time.monotonic() - 1.0
    return [
        _Slotted(
            _Claimed(f"msg-{n}", OutgoingText(f"+1305555{n:04d}", sender, "hi", None), 0), overdue
        )
        for n, sender in enumerate(senders)
    ]


def test_texts_late_for_their_slots_in_several_workers_keep_under_the_rate(
    svc: Services,
) -> None:
    provider = _TimedProvider()
    slow, other = "+13055550100", "+13055550199"
    workers = [
        Courier(svc.work, provider, SenderPacer(svc.redis, 2), None, lambda m, t: None)
        for _ in range(2)
    ]
    batches = [_overdue([slow] * 3 + [other]), _overdue([slow] * 3)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_send, workers, batches))

    assert [(len(sent), failed, unstarted) for sent, failed, unstarted in results] == [
        (4, [], []),
        (3, [], []),
    ]
    starts = sorted(at for sender, at in provider.started if sender == slow)
    # Six late texts of a 2-a-second sender: two at once, two a second later, two after that.
    assert busiest_second(starts) == 2
    # Held back only as far as the rate asks (a busy machine may add a little).
    assert 2 * workers[0].pacer.window - 0.05 <= starts[-1] - starts[0] < 2 + 0.5
    # Another sender's text does not wait behind them.
    (other_start,) = (at for sender, at in provider.started if sender == other)
    assert other_start - starts[0] < 0.5


class _SlowToArrive:
    """Takes every text; the first reaches the carrier `delay` seconds after it was handed
    over, the others at once. Notes when each one arrived (on the monotonic clock)."""

    name = "slow to arrive"

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.arrived: list[float] = []
        self._first = threading.Lock()

    def send(self, text: OutgoingText) -> Receipt:
        if self._first.acquire(blocking=False):
            time.sleep(self.delay)  # the network, or the carrier, is slow with this one
        self.arrived.append(time.monotonic())
        return Receipt(f"SM{len(self.arrived):032d}", "queued")


def test_a_text_slow_to_reach_the_carrier_holds_back_the_texts_that_could_crowd_its_second(
    svc: Services,
) -> None:
    provider = _SlowToArrive(delay=0.3)
    courier = Courier(svc.work, provider, SenderPacer(svc.redis, 2), None, lambda m, t: None)

    sent, failed, unstarted = _send(courier, _overdue([SENDER] * 6))

    assert (len(sent), failed, unstarted) == (6, [], [])
    # Two texts start at once; the first reaches the carrier 0.3 s late. The next two must
    # not both reach it within a second of that: the fourth waits for a second after it.
    assert busiest_second(provider.arrived) == 2
    arrived = sorted(provider.arrived)
    assert arrived[3] - arrived[1] >= 1.0


class _StopsRedisAtFirstText:
    """Takes every text; the Redis the pacing asks stops as the first text reaches it."""

    name = "stopping"

    def __init__(self, server: RedisServer) -> None:
        self.server = server
        self.sent: list[str] = []

    def send(self, text: OutgoingText) -> Receipt:
        if not self.sent:
            self.server.stop()
        self.sent.append(text.to)
        return Receipt(f"SM{len(self.sent):032d}", "queued")


@pytest.fixture
def one_customers_texts(app: Any, svc: Services, admin_key: str) -> list[str]:
    """Three texts decided for one customer's three tickets, not yet delivered: each starts
    once Twilio has the one before it."""
    ids = _decided(app, admin_key, ["+13055550101"] * 3)
    forget_keys(svc.redis)  # the tests run the batch by hand
    return ids


def _courier(svc: Services, provider: Any, server: RedisServer) -> Courier:
    pacing = Redis(host="127.0.0.1", port=server.port, socket_connect_timeout=1)
    return Courier(svc.work, provider, SenderPacer(pacing, 100), None, lambda m, t: None)


def _waiting_for_pacing(svc: Services, ids: list[str]) -> None:
    """Each text is back in line, pending, due in a few seconds: not left for the reconciler."""
    with svc.db.session() as session:
        for message in (session.get_one(Message, i) for i in ids):
            assert message.status == "pending"
            assert message.history[-1].detail == PACING_AWAY
            assert message.send_at is not None
            waits = (message.send_at - svc.clock.now()).total_seconds()
            assert waits == pytest.approx(PACING_RETRY_SECONDS, abs=1)


def test_texts_whose_redis_server_stops_wait_pending_and_the_one_sent_is_recorded(
    svc: Services, one_customers_texts: list[str], redis_server: RedisServer
) -> None:
    ids = one_customers_texts
    provider = _StopsRedisAtFirstText(redis_server)

    outcome = deliver_many(_courier(svc, provider, redis_server), ids)

    assert [outcome[i] for i in ids] == ["sent", "deferred", "deferred"]
    assert len(provider.sent) == 1
    with svc.db.session() as session:
        first = session.get_one(Message, ids[0])
        assert (first.status, first.provider_sid) == ("sent", f"SM{1:032d}")
    _waiting_for_pacing(svc, ids[1:])


def test_a_batch_whose_redis_server_is_away_sends_nothing_and_waits_pending(
    svc: Services, one_customers_texts: list[str], redis_server: RedisServer
) -> None:
    ids = one_customers_texts
    provider = _TimedProvider()
    redis_server.stop()

    outcome = deliver_many(_courier(svc, provider, redis_server), ids)

    assert [outcome[i] for i in ids] == ["deferred"] * 3
    assert provider.started == []
    _waiting_for_pacing(svc, ids)
