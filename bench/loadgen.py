"""Load generators, bounded in time: wrk when installed, else Python threads; and a fixed rate.

Closed loop (the ingest path): C connections each send the next request as soon as the last
is answered, for a fixed time. wrk does this at little cost to the CPU the server needs; the
Python fallback spends more of it, so its figures are lower and it says so.

Open loop (`bench/load.py`): requests start on a fixed schedule whatever the answers, and
each latency is counted from the moment its request was due, so a server that falls behind
shows it in the latencies instead of slowing the load down (no coordinated omission).
"""

from __future__ import annotations

import http.client
import json
import queue
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from bench.producer import joined, phone
from bench.stack import ROOT

WRK_THREADS = 2
DRAIN_SECONDS = 30.0
WRK_MISSING = (
    "wrk is not installed: the ingest path falls back to a Python load generator, which needs"
    " more CPU and so reads lower. Install it with `apt-get install -y wrk`."
)


class Traffic(Protocol):
    """What an open-loop run sends: the next body, told of each answer."""

    def next_body(self) -> dict[str, Any]:
        """The next request's JSON body."""

    def answered(self, body: dict[str, Any], ok: bool) -> None:
        """A request was answered, accepted (2xx) or not; called from the sending threads."""


@dataclass(frozen=True)
class Load:
    """What a load run got: answers, errors, time and latencies."""

    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    dropped: int = 0  # open loop: due requests never sent within the time allowed
    first_error: str = ""  # open loop: the first answer other than 2xx, for the reader

    @property
    def rate(self) -> float:
        """Accepted requests per second."""
        return self.ok / self.seconds if self.seconds else 0.0


def has_wrk() -> bool:
    """Whether wrk is on the PATH."""
    return shutil.which("wrk") is not None


def ingest(url: str, key: str, run: str, queue_id: str, seconds: float, connections: int) -> Load:
    """`ticket.joined` events with consent, each with fresh ids, from `connections` at once."""
    if has_wrk():
        return _wrk(url, key, run, queue_id, seconds, connections)

    def body(n: int) -> dict[str, Any]:
        return joined(f"{run}-{n}", f"{run}{n}", phone(3_000_000, n % 4_000_000), queue_id)

    return closed_loop(url, key, body, seconds, connections)


def _wrk(url: str, key: str, run: str, queue_id: str, seconds: float, connections: int) -> Load:
    now = datetime.now(UTC).isoformat()
    threads = min(WRK_THREADS, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    command += ["--timeout", "10s", "-s", str(ROOT / "bench" / "ingest.lua"), url]
    command += ["--", key, run, queue_id, now, str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    errors = found["status_errors"] + found["socket_errors"]
    return Load(
        ok=found["requests"] - found["status_errors"],
        errors=errors,
        seconds=found["duration_us"] / 1e6,
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
    )


class _Client:
    """One keep-alive HTTP/1.1 connection posting JSON to /v1/events."""

    def __init__(self, url: str, key: str) -> None:
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"
        self._connection = http.client.HTTPConnection(host, parts.port, timeout=30)
        self._headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def post(self, body: dict[str, Any]) -> bool:
        """Post one event; answer whether it was accepted (2xx)."""
        return 200 <= self.answer(body)[0] < 300

    def answer(self, body: dict[str, Any]) -> tuple[int, bytes]:
        """Post one event; answer the status and body (0 and the error if none came).

        A connection the server closed while idle fails the next request at once; that one
        is sent again on a new connection (safe: an event id makes a second post a duplicate).
        """
        data = json.dumps(body)
        try:
            return self._post(data)
        except (OSError, http.client.HTTPException):
            self._connection.close()  # the next request connects anew
        try:
            return self._post(data)
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()
            return 0, str(error).encode()

    def _post(self, data: str) -> tuple[int, bytes]:
        self._connection.request("POST", "/v1/events", data, self._headers)
        answer = self._connection.getresponse()
        return answer.status, answer.read()


def closed_loop(
    url: str, key: str, body: Callable[[int], dict[str, Any]], seconds: float, connections: int
) -> Load:
    """`connections` threads posting back to back for `seconds`."""
    counter = iter(range(1, 1 << 62))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds

    def drive() -> None:
        client, mine, failed = _Client(url, key), [], 0
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            started = time.perf_counter()
            if client.post(body(n)):
                mine.append(time.perf_counter() - started)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=drive) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _load(latencies, errors[0], time.perf_counter() - started)


class _Tally:
    """What the open loop's sending threads found, under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = self.dropped = 0
        self.first_error = ""

    def answer(self, at: float, body: dict[str, Any], status: int, text: bytes) -> None:
        """Count one answer to a request due at `at`."""
        with self.lock:
            if 200 <= status < 300:
                self.latencies.append(time.perf_counter() - at)
                return
            self.errors += 1
            if not self.first_error:
                self.first_error = f"{status} for {body['type']}: {text[:300]!r}"

    def drop(self) -> None:
        """Count a request never sent: it was due too long ago."""
        with self.lock:
            self.dropped += 1


def open_loop(
    url: str, key: str, traffic: Traffic, rate: float, seconds: float, senders: int
) -> Load:
    """One request every 1/`rate` s for `seconds`, from a pool of `senders` connections; each
    latency counted from when its request was due. A server that falls behind gets
    `DRAIN_SECONDS` after the schedule ends; requests still unsent then are dropped."""
    due: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
    tally = _Tally()
    cutoff = time.perf_counter() + seconds + DRAIN_SECONDS

    def send() -> None:
        client = _Client(url, key)
        while (item := due.get()) is not None:
            at, body = item
            if time.perf_counter() > cutoff:
                tally.drop()
                continue
            status, text = client.answer(body)
            traffic.answered(body, 200 <= status < 300)
            tally.answer(at, body, status, text)

    pool = [threading.Thread(target=send) for _ in range(senders)]
    for thread in pool:
        thread.start()
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        at = start + n / rate
        time.sleep(max(0.0, at - time.perf_counter()))
        due.put((at, traffic.next_body()))
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join()
    found = _load(tally.latencies, tally.errors, time.perf_counter() - start)
    return replace(found, dropped=tally.dropped, first_error=tally.first_error)


def _load(latencies: list[float], errors: int, seconds: float) -> Load:
    if len(latencies) < 2:
        return Load(len(latencies), errors, seconds, 0.0, 0.0)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Load(len(latencies), errors, seconds, cuts[49] * 1000, cuts[98] * 1000)
