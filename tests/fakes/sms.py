"""An SMS provider in memory that answers as told, keeps every text it took, and says whose it
was; and a sender's pacing that grants or defers as told.

It implements `notifier.sending.providers.SmsProvider`. A provider never learns our message
ids, so the test names the message whose worker it is about to run (`carrying`): every text
taken meanwhile is counted against it, which is how a second send of one message shows.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from notifier.clock import Clock
from notifier.errors import ProviderError
from notifier.sending.pacing import Reservation
from notifier.sending.providers import OPTED_OUT, OutgoingText, Receipt

UNREACHABLE = 21614


class Answer(StrEnum):
    """What the provider does with a send."""

    TAKEN = "taken"
    BUSY = "busy"  # HTTP 503: not taken, try again later
    UNREACHABLE = "unreachable"  # 21614: refused for good
    OPTED_OUT = "opted_out"  # 21610: the carrier says the number opted out
    TAKEN_NO_ANSWER = "taken_no_answer"  # it took the text, but its answer never came back
    LOST = "lost"  # the request may or may not have arrived; it did not
    CRASH = "crash"  # the worker dies while the request is out, before it arrives
    CRASH_AFTER_TAKEN = "crash_after_taken"  # the worker dies once the provider has the text


class WorkerDied(Exception):
    """The worker process ended in the middle of a send (what `Answer.CRASH*` simulates)."""


@dataclass(frozen=True)
class Taken:
    """One text the provider took, and the message it was counted against."""

    message_id: str | None
    sid: str
    text: OutgoingText
    at: datetime


class FakeSmsProvider:
    """Takes texts or fails them as scripted; finds the ones it took."""

    name = "fake"

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.taken: list[Taken] = []
        self.script: deque[Answer] = deque()  # answers to the next sends; then TAKEN
        self.lookups_fail = False  # `find_sent` cannot reach the provider
        self._carrying: str | None = None

    @contextmanager
    def carrying(self, message_id: str) -> Iterator[None]:
        """Count the texts taken in this block against `message_id`."""
        self._carrying = message_id
        try:
            yield
        finally:
            self._carrying = None

    def send(self, text: OutgoingText) -> Receipt:
        """Take the text, or fail as the script says."""
        answer = self.script.popleft() if self.script else Answer.TAKEN
        if answer in (Answer.TAKEN, Answer.TAKEN_NO_ANSWER, Answer.CRASH_AFTER_TAKEN):
            sid = f"SM{len(self.taken) + 1:032d}"
            self.taken.append(Taken(self._carrying, sid, text, self._clock.now()))
            if answer == Answer.TAKEN:
                return Receipt(sid, "queued")
        if answer in (Answer.CRASH, Answer.CRASH_AFTER_TAKEN):
            raise WorkerDied(answer)
        if answer == Answer.BUSY:
            raise ProviderError("HTTP 503", transient=True)
        if answer == Answer.UNREACHABLE:
            raise ProviderError("code 21614", code=UNREACHABLE, transient=False)
        if answer == Answer.OPTED_OUT:
            raise ProviderError("code 21610", code=OPTED_OUT, transient=False)
        raise ProviderError("read timeout", transient=True, ambiguous=True)

    def find_sent(self, to: str, body: str, since: datetime) -> Receipt | None:
        """A text taken for `to` with this body since `since`, as Twilio's message list tells."""
        if self.lookups_fail:
            raise ProviderError("HTTP 503", transient=True)
        for taken in self.taken:
            if (taken.text.to, taken.text.body) == (to, body) and taken.at >= since:
                return Receipt(taken.sid, "sent")
        return None

    def sends(self) -> Counter[str | None]:
        """How many texts were taken for each message."""
        return Counter(t.message_id for t in self.taken)


class FakePacer:
    """A sender's pacing that grants a slot at once, or says the next one is far off."""

    def __init__(self) -> None:
        self.far_off = False

    def start(self, sender: str, token: str) -> float:
        """Texts of one sender may start one right after another."""
        return 0.0

    def ended(self, sender: str, token: str) -> None:
        """Nothing waits for a text to end."""

    def reserve_many(self, sender: str, afters: Sequence[float], *, horizon: float) -> Reservation:
        """Every slot at its text's time; or none, the next free one well beyond the horizon."""
        if self.far_off:
            return Reservation(0.0, (), 1.0, horizon + 4.0)
        return Reservation(0.0, tuple(afters), 0.0, 0.0)
