"""`make run`: the API, a worker with the scheduler, the relay and (when `REDIS_URL` is unset)
an embedded Redis, all on their embedded defaults. Ctrl-C stops all of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from notifier import embedded_redis, migrate
from notifier.clock import SystemClock
from notifier.compliance import keys
from notifier.config import PROJECT_ROOT, load_settings
from notifier.db import Database
from notifier.errors import NotifierError
from notifier.sending.lifecycle import Priority

DEV_KEY_NAME = "make-run"
PORT = int(os.environ.get("PORT", "8000"))
BIN = Path(sys.executable).parent


def main() -> int:
    """Run everything until Ctrl-C; answer the exit code."""
    try:
        settings = load_settings()
    except NotifierError as error:
        print(f"Configuration error: {error.detail}", file=sys.stderr)  # noqa: T201
        return 2
    migrate.upgrade(settings.database_url)
    redis = None
    env = dict(os.environ, NOTIFIER_VAR_DIR=str(settings.var_dir), PYTHONUNBUFFERED="1")
    if settings.redis_embedded:
        redis = embedded_redis.start(settings.embedded_redis_socket)
        env["REDIS_URL"] = settings.redis_url
    key = _fresh_key(settings.database_url)
    children = [_spawn(command, env) for command in _commands()]
    _greet(key)
    try:
        _wait(children)
    finally:
        _stop(children)
        if redis is not None:
            embedded_redis.stop(redis)
    return 0


def _commands() -> list[list[str]]:
    return [
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "wsgi:app",
        ],
        [
            str(BIN / "rq"),
            "worker",
            "--with-scheduler",
            "--worker-class",
            "workers.worker.Worker",
            "--config",  # finds Redis as the other processes do (REDIS_URL or REDIS_SENTINELS)
            "workers.rqconfig",
            *Priority,  # its queues, most urgent first
        ],
        [str(BIN / "flask"), "--app", "wsgi", "relay"],
    ]


def _fresh_key(database_url: str) -> str:
    db = Database(database_url)
    now = SystemClock().now()
    with db.session() as session:
        try:
            keys.revoke_key(session, DEV_KEY_NAME, now)
        except NotifierError:
            pass  # the first run has no key to revoke
        key = keys.create_key(session, DEV_KEY_NAME, keys.SCOPES, now)
    db.dispose()
    return key


def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True)


def _wait(children: list[subprocess.Popen[bytes]]) -> None:
    stop = {"now": False}

    def _signalled(signum: int, frame: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGINT, _signalled)
    signal.signal(signal.SIGTERM, _signalled)
    while not stop["now"]:
        if any(child.poll() is not None for child in children):
            print("A process stopped; stopping the rest.", file=sys.stderr)  # noqa: T201
            return
        time.sleep(0.2)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _greet(key: str) -> None:
    base = f"http://localhost:{PORT}"
    print(  # noqa: T201
        f"""
notifier is running on {base} (Ctrl-C stops everything).
API key with every scope (new for this run):

    export NOTIFIER_KEY={key}

Try it:

    curl -s -X PUT {base}/v1/queues/desk -H "Authorization: Bearer $NOTIFIER_KEY" \\
      -H 'Content-Type: application/json' \\
      -d '{{"name": "Service desk", "timezone": "America/New_York", "brand": "Acme"}}'

    curl -s -X POST {base}/v1/events -H "Authorization: Bearer $NOTIFIER_KEY" \\
      -H 'Content-Type: application/json' \\
      -d '{{"id": "evt-1", "type": "ticket.joined", "occurred_at": "2026-11-28T11:05:00-05:00",
           "queue_id": "desk", "ticket": {{"id": "A17", "phone": "(305) 555-0142",
           "position": 4, "eta_minutes": 25}},
           "consent": {{"purposes": ["queue_updates"], "action": "grant", "method": "kiosk"}}}}'

The text appears below within a few seconds.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
