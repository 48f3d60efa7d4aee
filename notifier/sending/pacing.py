"""Per-sender pacing: a Redis-held schedule so that all workers together keep `SENDER_MPS`.

This is the generic cell rate algorithm: for each sender Redis keeps the earliest moment the
next text may go ("theoretical arrival time"). Reserving moves it one interval on per text and
tells the caller when each reserved text may go. Only slots within a short horizon are handed
out: a text further back waits off the schedule (staggered, not reserved), so an urgent text
that comes later is never more than the horizon away from a slot of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local horizon = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local not_before = now + tonumber(ARGV[5])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local first = math.max(tat, now, not_before)
local limit = math.max(now, not_before) + horizon
local granted = 0
while granted < wanted and first + granted * interval <= limit do
  granted = granted + 1
end
local free = first + granted * interval
if granted > 0 then
  local ttl_ms = math.ceil((free - now) * 1000) + 1000
  redis.call('SET', KEYS[1], tostring(free), 'PX', ttl_ms)
end
return {tostring(now), tostring(first), granted, tostring(free)}
"""


@dataclass(frozen=True)
class Reservation:
    """Slots handed to one caller: `granted` of them, `interval` apart from `first` (epoch s)."""

    now: float
    first: float
    granted: int
    interval: float
    # When the sender's schedule is free again after these slots.
    free: float

    def slot(self, index: int) -> float:
        """The moment (epoch seconds, Redis's clock) the `index`-th granted text may go."""
        return self.first + index * self.interval

    def waiting(self, index: int) -> float:
        """Where the `index`-th text that got no slot stands in line: when to try again."""
        return self.free + index * self.interval


class SenderPacer:
    """Hands out send slots per sender at `per_second` texts a second."""

    def __init__(self, redis: Redis, per_second: float) -> None:
        self._redis = redis
        self.interval = 1.0 / per_second
        self._script = redis.register_script(_RESERVE)

    def reserve_many(
        self, sender: str, wanted: int, *, horizon: float, after: float = 0.0
    ) -> Reservation:
        """Reserve up to `wanted` slots, none sooner than `after` seconds from now and none later
        than `horizon` seconds past that."""
        seconds, micros = self._redis.time()
        now = seconds + micros / 1_000_000
        args = [now, self.interval, horizon, wanted, after]
        answer = self._script(keys=[f"notifier:pace:{sender}"], args=args)
        now_at, first, granted, free = answer
        return Reservation(float(now_at), float(first), int(granted), self.interval, float(free))

    def reserve(self, sender: str, *, max_wait: float) -> tuple[bool, float]:
        """(True, wait) when a slot `wait` seconds away is now ours; (False, wait) if too far."""
        got = self.reserve_many(sender, 1, horizon=max_wait)
        if got.granted:
            return True, got.first - got.now
        return False, got.free - got.now
