"""Per-sender pacing: a Redis-held schedule so that all workers together keep `SENDER_MPS`.

This is the generic cell rate algorithm: for each sender Redis keeps the earliest moment the
next text may go ("theoretical arrival time"). Reserving moves it one interval on per text and
tells the caller when each reserved text may go. Only slots within a short horizon are handed
out: a text further back waits off the schedule (staggered, not reserved), so an urgent text
that comes later is never more than the horizon away from a slot of its own.

The carrier counts texts in any one-second window as they reach it, and a text reaches it some
time after it starts: a worker held up, a slow network, a busy carrier. So a slot is when a text
may go, not when it reaches the carrier, and slots alone cannot keep the count. Each text also
asks Redis just before it starts, and tells it when the provider has answered. Redis keeps the
sender's texts of the last second by when they ended (or, while they are on their way, as ending
later than any send can take), and a text starts only while fewer than `SENDER_MPS` of them
ended in the last second. A text reaches the carrier between its start and its end, so any
`SENDER_MPS + 1` texts in a row reach it at least a second apart end to end, however late each
one is; texts behind a slow one wait only as long as it was slow.

The schedule hands out `SAFETY` of the rate, a little below it: slots a round trip apart from
that, so that the check before a text starts seldom has to hold it back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from redis import Redis

# The share of `SENDER_MPS` the schedule hands out: the rest leaves room for a text's round trip
# to the provider (see above). The target is 95% of the rate.
SAFETY = 0.99
# Longer than any send to the provider takes (the Twilio client gives up after 10 s): a text
# still on its way counts as ending then, and one whose worker died as it sent is counted so.
IN_FLIGHT_SECONDS = 30.0
# How soon a text held back only by texts still on their way asks again.
POLL_SECONDS = 0.005

# KEYS[1]: the sender's schedule. ARGV: the interval, the horizon, then for each text wanted,
# in order, how many seconds from now it may go at the earliest. Redis's own clock is `now`,
# so every worker reads the same one. Answers now, where the schedule is free, and the slots.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local horizon = tonumber(ARGV[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local answer = {tostring(now), '', }
for i = 3, #ARGV do
  local due = now + tonumber(ARGV[i])
  local slot = math.max(tat, due)
  if slot > due + horizon then
    break
  end
  answer[#answer + 1] = tostring(slot)
  tat = slot + interval
end
answer[2] = tostring(tat)
if #answer > 2 then
  redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
end
return answer
"""


# KEYS[1]: the sender's texts of the last window, each scored by when it ended (or, still on its
# way, by when it will have ended at the latest). ARGV: the window, how many texts it may hold,
# this text's token, the longest a send takes, and how soon to ask again while the texts that
# fill the window are all on their way. Answers how long to wait before asking again; "0" if the
# text may start now (and notes it as on its way).
_START = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tostring(now - window))
if redis.call('ZCARD', KEYS[1]) >= most then
  local ended = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  if ended > now then
    return ARGV[5]
  end
  return tostring(ended + window - now)
end
local longest = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], tostring(now + longest), ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil((window + longest) * 1000) + 1000)
return '0'
"""

# KEYS[1]: as above. ARGV: the token of a text the provider has answered for.
_END = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[1], 'XX', tostring(now), ARGV[1])
return 0
"""


@dataclass(frozen=True)
class Reservation:
    """Slots handed to one caller, in the order asked for (epoch seconds, Redis's clock)."""

    now: float
    slots: tuple[float, ...]
    interval: float
    # When the sender's schedule is free again after these slots.
    free: float

    @property
    def granted(self) -> int:
        """How many of the texts asked for got a slot (the first ones)."""
        return len(self.slots)

    def waiting(self, index: int) -> float:
        """Where the `index`-th text that got no slot stands in line: when to try again."""
        return self.free + index * self.interval


class SenderPacer:
    """Hands out send slots per sender at `SAFETY` of `per_second` texts a second."""

    def __init__(self, redis: Redis, per_second: float) -> None:
        self.interval = 1.0 / (per_second * SAFETY)
        # Any `most + 1` texts in a row reach the carrier at least `window` apart end to end:
        # `most` in any second is the rate (a whole number of texts), or one for a sender
        # slower than that.
        self.most = max(1, math.floor(per_second))
        self.window = max(1.0, self.most / per_second)
        self._reserve = redis.register_script(_RESERVE)
        self._start = redis.register_script(_START)
        self._end = redis.register_script(_END)

    def reserve_many(self, sender: str, afters: Sequence[float], *, horizon: float) -> Reservation:
        """Reserve a slot for each text in turn, the `i`-th no sooner than `afters[i]` seconds
        from now and no later than `horizon` past that; stop at the first that would be later.

        `afters` should rise: a text due later stops the ones behind it from getting a slot.
        """
        args = [self.interval, horizon, *afters]
        now, free, *slots = self._reserve(keys=[f"notifier:pace:{sender}"], args=args)
        return Reservation(float(now), tuple(float(s) for s in slots), self.interval, float(free))

    def start(self, sender: str, token: str) -> float:
        """0 if a text of `sender` may start now (it is noted as on its way, by `token`, unique
        to this attempt); else how many seconds until it should ask again."""
        keys = [_ended_key(sender)]
        args: list[float | str] = [self.window, self.most, token, IN_FLIGHT_SECONDS, POLL_SECONDS]
        return float(self._start(keys=keys, args=args))

    def ended(self, sender: str, token: str) -> None:
        """The provider answered for the text started as `token`: it has reached the carrier,
        or never will."""
        self._end(keys=[_ended_key(sender)], args=[token])


def _ended_key(sender: str) -> str:
    """Where Redis keeps the sender's texts of the last window, by when they ended."""
    return f"notifier:pace:{sender}:ended"
