"""`make run`: the Procfile's `web`, `worker` and `relay`, and (when `REDIS_URL` is unset) an
embedded Redis, all on their embedded defaults.

It runs the Procfile's own commands, so development starts exactly what production starts.
It checks the port before anything else, prints its welcome only once the API answers, and
stops every child, whichever way it is stopped: Ctrl-C, SIGTERM, a closed terminal (SIGHUP),
or a SIGKILL (then each child's parent-death signal does it, see `notifier.orphans`).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from notifier import embedded_redis, migrate
from notifier.clock import SystemClock
from notifier.compliance import keys, staff
from notifier.config import PROJECT_ROOT, Settings
from notifier.db import Database
from notifier.errors import NotifierError
from notifier.orphans import dies_with_this_process
from notifier.startup import METRICS_DIR, settings_or_exit

DEV_KEY_NAME = "make-run"
DEV_ADMIN = "admin"
PROCESS_TYPES = ("web", "worker", "relay")  # `release` is the migration, done here first
BIN = Path(sys.executable).parent
READY_SECONDS = 60.0
STOP_SECONDS = 10.0
STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

Children = dict[str, subprocess.Popen[bytes]]


def main() -> int:
    """Run everything until stopped; answer the exit code."""
    settings = settings_or_exit()
    if not _port_free(settings.port):
        print(  # noqa: T201
            f"Port {settings.port} is in use: stop what uses it, or run PORT=8001 make run.",
            file=sys.stderr,
        )
        return 1
    stop = _catch_stopping_signals()
    migrate.upgrade(settings.database_url)
    env = _environment(settings)
    redis = (
        embedded_redis.start(settings.embedded_redis_socket) if settings.redis_embedded else None
    )
    children: Children = {}
    try:
        children = {name: _spawn(command, env) for name, command in _procfile().items()}
        if not _ready(settings, children, stop):
            return 1
        key, password = _fresh_key(settings.database_url), _fresh_admin(settings.database_url)
        _greet(settings, key, password)
        return _wait(children, stop)
    finally:
        _stop(children)
        if redis is not None:
            embedded_redis.stop(redis)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _catch_stopping_signals() -> list[int]:
    """Note Ctrl-C, SIGTERM and SIGHUP instead of dying of them, so children are stopped."""
    caught: list[int] = []
    for signum in STOPPING_SIGNALS:
        signal.signal(signum, lambda number, _frame: caught.append(number))
    return caught


def _environment(settings: Settings) -> dict[str, str]:
    metrics = settings.var_dir / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)  # every process that counted there starts anew
    return dict(
        os.environ,
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        NOTIFIER_VAR_DIR=str(settings.var_dir),
        REDIS_URL=settings.redis_url,
        PORT=str(settings.port),
        PYTHONUNBUFFERED="1",
        **{METRICS_DIR: str(metrics)},
        # On this machine only; the Procfile's 0.0.0.0 is for a server behind its firewall.
        GUNICORN_CMD_ARGS=f"--bind 127.0.0.1:{settings.port}",
    )


def _procfile() -> dict[str, str]:
    """The Procfile's commands for the process types `make run` starts."""
    lines = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    pairs = (line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    found = {name.strip(): command.strip() for name, command in pairs}
    return {name: found[name] for name in PROCESS_TYPES}


def _spawn(command: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # `exec` makes the command itself the child, so that the parent-death signal reaches it;
    # a session of its own lets us stop it with everything it started.
    return subprocess.Popen(
        ["/bin/sh", "-c", "exec " + command],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=dies_with_this_process(),
    )


def _ready(settings: Settings, children: Children, stop: list[int]) -> bool:
    """Wait until the API answers; False if a child ended, a signal came or time ran out."""
    deadline = time.monotonic() + READY_SECONDS
    while not _answers(f"http://127.0.0.1:{settings.port}/healthz"):
        ended = [name for name, child in children.items() if child.poll() is not None]
        if ended or stop or time.monotonic() > deadline:
            why = f"{', '.join(ended)} stopped" if ended else "stopped before it was ready"
            print(f"make run: {why}; stopping the rest.", file=sys.stderr)  # noqa: T201
            return False
        time.sleep(0.2)
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return int(answer.status) == 200
    except OSError:
        return False


def _wait(children: Children, stop: list[int]) -> int:
    while not stop:
        ended = [name for name, child in children.items() if child.poll() is not None]
        if ended:
            print(f"make run: {', '.join(ended)} stopped; stopping the rest.", file=sys.stderr)  # noqa: T201
            return 1
        time.sleep(0.2)
    return 0


def _stop(children: Children) -> None:
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


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


def _fresh_admin(database_url: str) -> str:
    """A new password, for this run, for the console's first admin (made on the first run)."""
    db = Database(database_url)
    password = staff.new_password()
    with db.session() as session:
        try:
            staff.set_password(session, DEV_ADMIN, password)
        except NotifierError:
            staff.create_account(session, DEV_ADMIN, "admin", password, SystemClock().now())
    db.dispose()
    return password


def _greet(settings: Settings, key: str, password: str) -> None:
    base = f"http://localhost:{settings.port}"
    flask = BIN.relative_to(PROJECT_ROOT) / "flask" if BIN.is_relative_to(PROJECT_ROOT) else BIN
    reply = (
        f"{'' if settings.port == 8000 else f'PORT={settings.port} '}{flask} --app wsgi sms inbound"
    )
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

The text appears below within a few seconds. Then reply as the customer would:

    {reply} +13055550142 STATUS     (or HELP, STOP, START)

The compliance console: {base}/console
    name: {DEV_ADMIN}    password (new for this run): {password}
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
