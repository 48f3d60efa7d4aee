"""Per-sender pacing: a Redis-held schedule so that all workers together keep `SENDER_MPS`.

This is the generic cell rate algorithm: for each sender Redis keeps the earliest moment the
next text may go ("theoretical arrival time"). Reserving moves it one interval on per text and
tells the caller when each reserved text may go. Only slots within a short horizon are handed
out: a text further back waits off the schedule (staggered, not reserved), so an urgent text
that comes later is never more than the horizon away from a slot of its own.

The carrier counts texts in any one-second window as they reach it, and no two texts travel
in exactly the same time: slots exactly `1 / SENDER_MPS` apart would let a text that was a
little late for its slot land in the same second as the next `SENDER_MPS` texts. So the
schedule keeps `SAFETY` of the rate: any `SENDER_MPS + 1` texts in a row are reserved at least
`1 / SAFETY` seconds apart end to end, and a text may be that much late (about 30 ms, whatever
the rate) before the carrier could count one too many in a second.

A slot is when a text may go, not when it does: a worker held up for longer than that margin
would start its text late, and the texts slotted behind it, in other workers, would crowd the
same second. So each text also asks Redis just before it starts: Redis keeps the moments the
sender's last texts started, and a text waits until starting now would keep every window of
`1 / SAFETY` seconds within the rate. Texts after a late one are held back only as far as the
late one was late, so the schedule catches up at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from redis import Redis

# The share of `SENDER_MPS` the schedule hands out: the rest is the margin against texts that
# reach the carrier a little later than their slot (see above). The target is 95% of the rate.
SAFETY = 0.97

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


# KEYS[1]: the moments the sender's last texts started, newest first. ARGV: the window and how
# many texts it may hold. Answers how long to wait before asking again; "0" if the text may
# start now (and notes that it did).
_START = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
local oldest = redis.call('LINDEX', KEYS[1], most - 1)
if oldest and now < tonumber(oldest) + window then
  return tostring(tonumber(oldest) + window - now)
end
redis.call('LPUSH', KEYS[1], tostring(now))
redis.call('LTRIM', KEYS[1], 0, most - 1)
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
return '0'
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
        # Any `most + 1` texts in a row start at least `window` apart end to end: `most` in any
        # second is the rate (a whole number of texts), or one for a sender slower than that.
        self.most = max(1, math.floor(per_second))
        self.window = max(1.0, self.most / per_second) / SAFETY
        self._reserve = redis.register_script(_RESERVE)
        self._start = redis.register_script(_START)

    def reserve_many(self, sender: str, afters: Sequence[float], *, horizon: float) -> Reservation:
        """Reserve a slot for each text in turn, the `i`-th no sooner than `afters[i]` seconds
        from now and no later than `horizon` past that; stop at the first that would be later.

        `afters` should rise: a text due later stops the ones behind it from getting a slot.
        """
        args = [self.interval, horizon, *afters]
        now, free, *slots = self._reserve(keys=[f"notifier:pace:{sender}"], args=args)
        return Reservation(float(now), tuple(float(s) for s in slots), self.interval, float(free))

    def start(self, sender: str) -> float:
        """0 if a text of `sender` may start now (it is noted as started); else how many
        seconds until it may."""
        keys, args = [f"notifier:pace:{sender}:started"], [self.window, self.most]
        return float(self._start(keys=keys, args=args))
