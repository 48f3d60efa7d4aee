"""Per-sender pacing: a Redis-held schedule so that all workers together keep `SENDER_MPS`.

This is the generic cell rate algorithm: for each sender Redis keeps the earliest moment the
next text may go ("theoretical arrival time"). Reserving a slot moves it one interval on and
tells the caller how long to wait; a caller that would wait too long reserves nothing.
"""

from __future__ import annotations

from redis import Redis

_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > max_wait then return tostring(wait) end
local ttl_ms = math.ceil((tat + interval - now) * 1000) + 1000
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', ttl_ms)
return tostring(-wait - 1)
"""


class SenderPacer:
    """Hands out send slots per sender at `per_second` texts a second."""

    def __init__(self, redis: Redis, per_second: float) -> None:
        self._redis = redis
        self._interval = 1.0 / per_second
        self._script = redis.register_script(_RESERVE)

    def reserve(self, sender: str, *, max_wait: float) -> tuple[bool, float]:
        """(True, wait) when a slot `wait` seconds away is now ours; (False, wait) if too far."""
        seconds, micros = self._redis.time()
        now = seconds + micros / 1_000_000
        result = float(
            self._script(keys=[f"notifier:pace:{sender}"], args=[now, self._interval, max_wait])
        )
        # The script answers -(wait + 1) for a reservation so that a zero wait stays signed.
        if result < 0:
            return True, -result - 1
        return False, result
