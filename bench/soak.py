"""`make soak`: the whole service under traffic and faults for SOAK_SECONDS (30 minutes unless
told), then checked: every accepted event's texts sent exactly once, the ledger verifying.

Local and bounded: gunicorn, two RQ workers and the relay (the worker and the relay as the
Procfile starts them), a Redis server and a fake Twilio of its own on free ports of 127.0.0.1,
SQLite in a temporary directory (or DATABASE_URL). Traffic (`bench.soak_traffic`): customers
join, move up, are called and leave, some text STOP, START, STATUS or HELP, and Twilio's
status callbacks follow the texts. Faults: Redis restarted once, losing everything it held,
and a worker killed with SIGKILL every sixth of the run (every 5 minutes of 30) and started
again at once, as a process manager would.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests
from sqlalchemy import select

from bench.soak_traffic import Counts, Traffic
from notifier import migrate
from notifier.clock import SystemClock
from notifier.compliance import keys
from notifier.db import Database
from notifier.models import Message
from notifier.sending.lifecycle import MessageStatus, Priority
from tests.fakes.twilio import FakeTwilio
from tests.servers import BIN, RedisServer, ServiceProcess, eventually, free_port

LANES = (2, 3, 4)
ACTIONS_PER_SECOND = 2.0  # per lane
WORKERS = 2
KILLS = 5  # one every sixth of the run
REDIS_RESTART_AT = 0.45  # of the run
REDIS_AWAY_SECONDS = 5.0
# Long enough for the relay to find lost jobs (a minute) and stuck texts (two minutes).
DRAIN_SECONDS = 420.0
UNSETTLED = (MessageStatus.PENDING, MessageStatus.SENDING)


class Stack:
    """The service's processes, its Redis and database, and the fake Twilio they send to."""

    def __init__(self, tmp: Path, twilio: FakeTwilio) -> None:
        self.tmp, self.twilio = tmp, twilio
        self.redis = RedisServer(tmp)  # no persistence: a restart loses everything it held
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'soak.db'}"
        self.env = {
            **os.environ,
            "NOTIFIER_ENV": "test",
            "NOTIFIER_VAR_DIR": str(tmp),
            "NOTIFIER_SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+15005550006",
            "TWILIO_API_BASE_URL": twilio.base_url,
            "PUBLIC_BASE_URL": self.base_url,
            "SENDER_MPS": "50",
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: list[ServiceProcess] = []
        self.workers: list[ServiceProcess] = []

    def start(self) -> str:
        """Start everything; answer an API key with every scope."""
        migrate.upgrade(self.database_url)
        self.redis.start()
        web = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "2"]
        self.spawn("web", [*web, "--threads", "8", "wsgi:app"])
        self.workers = [self.spawn("worker") for _ in range(WORKERS)]
        self.spawn("relay")
        eventually(self._answers, "the web process answers", 120)
        key = self._key()
        desk = {"name": "Desk", "timezone": "America/New_York", "notify_at_positions": [5, 2]}
        headers = {"Authorization": f"Bearer {key}"}
        requests.put(f"{self.base_url}/v1/queues/desk", json=desk, headers=headers, timeout=10)
        return key

    def spawn(self, kind: str, command: list[str] | None = None) -> ServiceProcess:
        """Start one process of the service."""
        log = self.tmp / f"{kind}-{len(self.processes)}.log"
        process = ServiceProcess(kind, self.env, log, command)
        process.start()
        self.processes.append(process)
        return process

    def kill_worker(self, n: int) -> str:
        """Kill a worker outright and start another in its place; say what became of it."""
        worker = self.workers[n % WORKERS]
        children = worker.children()
        worker.kill()
        self.workers[n % WORKERS] = self.spawn("worker")
        time.sleep(10)
        left = [child for child in children if _running(child)]
        return f"worker killed; {len(left)} of its {len(children)} children left running"

    def restart_redis(self) -> str:
        """Stop Redis, leave it away a few seconds, and start it again, empty."""
        self.redis.stop()
        time.sleep(REDIS_AWAY_SECONDS)
        self.redis.start()
        return f"Redis restarted after {REDIS_AWAY_SECONDS:.0f} s away, empty"

    def stop(self) -> None:
        """Stop every process and Redis."""
        for process in reversed(self.processes):
            process.stop()
        self.redis.stop()

    def _answers(self) -> bool:
        try:
            return requests.get(self.base_url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _key(self) -> str:
        db = Database(self.database_url)
        with db.session() as session:
            key = keys.create_key(session, "soak", ["admin"], SystemClock().now())
        db.dispose()
        return key


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def run(stack: Stack, key: str, seconds: float) -> tuple[Counts, list[str]]:
    """Drive the traffic for `seconds` while the faults happen on schedule."""
    started = time.monotonic()
    until = started + seconds
    lanes = [Traffic(stack.base_url, key, stack.twilio, lane) for lane in LANES]
    with ThreadPoolExecutor(len(lanes)) as pool:
        running = [pool.submit(lane.run, until, ACTIONS_PER_SECOND) for lane in lanes]
        plan = [(seconds * k / (KILLS + 1), k) for k in range(1, KILLS + 1)]
        plan.append((seconds * REDIS_RESTART_AT, -1))
        faults = []
        for at, fault in sorted(plan):
            time.sleep(max(0.0, started + at - time.monotonic()))
            said = stack.restart_redis() if fault < 0 else stack.kill_worker(fault)
            faults.append(f"{at:6.0f} s  {said}")
        counts = Counts()
        for lane in running:
            counts.merge(lane.result())
    return counts, faults


def drain(stack: Stack) -> float:
    """Wait until no text is left to send (none pending or sending); answer how long it took."""
    db = Database(stack.database_url)
    started = time.monotonic()

    def settled() -> bool:
        with db.session() as session:
            return session.scalar(select(Message.id).where(Message.status.in_(UNSETTLED))) is None

    try:
        eventually(settled, "every text is sent or settled", DRAIN_SECONDS)
    except AssertionError as error:
        print(f"  {error}")  # noqa: T201
    db.dispose()
    return time.monotonic() - started


def check(stack: Stack, key: str, counts: Counts) -> tuple[dict[str, object], list[str]]:
    """What the database, the fake Twilio and the ledger say once the run is over, and what
    of it is wrong."""
    db = Database(stack.database_url)
    with db.session() as session:
        rows = session.execute(select(Message.id, Message.status, Message.provider_sid)).all()
    db.dispose()
    status = {row.id: row.status for row in rows}
    recorded = {row.provider_sid for row in rows if row.provider_sid}
    created = {message.sid for message in stack.twilio.messages}
    headers = {"Authorization": f"Bearer {key}"}
    ledger = requests.get(stack.base_url + "/v1/audit/verify", headers=headers, timeout=60)
    verify = ledger.json()
    wrong = {
        "texts queued by accepted events never recorded": [
            i for i in counts.queued if i not in status
        ],
        "texts queued by accepted events never settled": [
            i for i in counts.queued if status.get(i) in UNSETTLED
        ],
        "texts sent twice (a Twilio message no text records)": created - recorded,
        "texts recorded as sent that Twilio never took": recorded - created,
    }
    figures: dict[str, object] = {
        "texts decided": len(rows),
        "by status": dict(Counter(status.values()).most_common()),
        "texts queued by accepted events": len(counts.queued),
        "messages created at Twilio": len(created),
        **{name: len(found) for name, found in wrong.items()},
        "ledger": f"ok={verify['ok']} records={verify['records']}",
    }
    problems = [name for name, found in wrong.items() if found]
    return figures, problems + ([] if verify["ok"] else ["the ledger does not verify"])


def report(
    seconds: float, counts: Counts, faults: list[str], took: float, found: dict[str, object]
) -> None:
    """Print the figures."""
    latencies = sorted(counts.latencies) or [0.0]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    median = statistics.median(latencies) * 1000
    lines = [
        f"soak: {seconds:.0f} s, {len(LANES)} lanes at {ACTIONS_PER_SECOND} actions/s each",
        f"  requests: {dict(counts.sent)}",
        f"  answers: {dict(sorted(counts.answers.items()))}",
        f"  accepted events answered in: p50 {median:.0f} ms, p99 {p99 * 1000:.0f} ms",
        "  faults:",
        *(f"    {fault}" for fault in faults),
        f"  drained in {took:.0f} s after the traffic stopped",
        *(f"  {name}: {value}" for name, value in found.items()),
    ]
    print("\n".join(lines))  # noqa: T201


def error_answers(counts: Counts) -> int:
    """Requests answered with neither 2xx nor 3xx, or not answered at all."""
    return sum(n for what, n in counts.answers.items() if what.split()[-1][0] not in "23")


def unsettled(stack: Stack) -> list[str]:
    """Each text still pending or sending, with what the database and Redis know of it."""
    db = Database(stack.database_url)
    with db.session() as session:
        rows = session.scalars(select(Message).where(Message.status.in_(UNSETTLED))).all()
        found = [
            f"{m.id} {m.status} send_at={m.send_at} enqueued_at={m.enqueued_at} "
            f"claimed_at={m.claimed_at} job={m.job_id} in Redis: {_job(stack, m.job_id)}"
            for m in rows
        ]
    db.dispose()
    return found


def _job(stack: Stack, job_id: str | None) -> str:
    if job_id is None:
        return "-"
    with stack.redis.client() as redis:
        status = redis.hget(f"rq:job:{job_id}", "status")
        queued = any(redis.lpos(f"rq:queue:{q}", job_id) is not None for q in Priority)
        scheduled = any(redis.zscore(f"rq:scheduled:{q}", job_id) for q in Priority)
    return f"status={status!r} on a queue={queued} scheduled={scheduled}"


def main() -> int:
    """Run the soak; exit 0 if every check held. The logs stay behind if one did not."""
    seconds = float(os.environ.get("SOAK_SECONDS") or 1800)
    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    with FakeTwilio() as twilio:
        stack = Stack(tmp, twilio)
        try:
            key = stack.start()
            counts, faults = run(stack, key, seconds)
            took = drain(stack)
            (figures, problems), stuck = check(stack, key, counts), unsettled(stack)
        finally:
            stack.stop()
    report(seconds, counts, faults, took, figures)
    if error_answers(counts):
        problems.append(f"{error_answers(counts)} requests failed")
    print("".join(f"  unsettled: {text}\n" for text in stuck), end="")  # noqa: T201
    if problems:
        print(f"  result: FAILED: {'; '.join(problems)} (logs in {tmp})")  # noqa: T201
        return 1
    shutil.rmtree(tmp)
    print("  result: every check held")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
