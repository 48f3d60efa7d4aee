"""The service's processes as production starts them: the Procfile's commands, an own Redis.

Every command is read from the `Procfile`, so the bench runs what production runs: gunicorn
with the same settings, RQ workers, the relay. Servers bind to 127.0.0.1 on free ports. The
Redis is always one the bench started itself in its temporary directory, so flushing it
between measurements can never touch anyone else's data.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from redis import Redis

from notifier import embedded_redis
from notifier.sending.dispatch import QUEUE_NAMES
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
SERVICE_APP = "wsgi:app"
STOP_SECONDS = 15.0
START_SECONDS = 30.0


def say(line: str = "") -> None:
    """Print one line of progress at once (the bench runs for minutes)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def procfile(name: str) -> str:
    """The command of one process type in the Procfile."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == name:
            return command.strip()
    raise RuntimeError(f"the Procfile has no {name!r} process")


def worker_queues() -> list[str]:
    """The queues the Procfile's worker listens on, in its order (`workers.rqconfig` names them)."""
    return list(QUEUE_NAMES)


def web_command(app: str = SERVICE_APP) -> str:
    """The Procfile's web command on 127.0.0.1 (port: `$PORT`), serving `app` (a baseline, say)."""
    command = procfile("web").replace("0.0.0.0:", "127.0.0.1:")
    if SERVICE_APP not in shlex.split(command):
        raise RuntimeError(f"the Procfile's web command no longer serves {SERVICE_APP}")
    words = [app if word == SERVICE_APP else word for word in shlex.split(command)]
    return " ".join(_quote(word) for word in words)


def _quote(word: str) -> str:
    # Leave ${PORT:-8000} and friends for the shell to expand, as a Procfile runner does.
    return word if "$" in word else shlex.quote(word)


class Process:
    """One process started from a shell command line, in its own session, logged to a file."""

    def __init__(self, name: str, command: str, env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self._popen = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                cwd=ROOT,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        """The process id (also its process group's)."""
        return self._popen.pid

    def running(self) -> bool:
        """Whether it has not exited."""
        return self._popen.poll() is None

    def children_cpu(self) -> dict[int, float]:
        """The CPU seconds each child of this process has used so far (gunicorn's workers)."""
        tick = os.sysconf("SC_CLK_TCK")
        used = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # After the command's name: state, parent, ..., user and system time (ticks).
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            if int(fields[1]) == self.pid:
                used[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
        return used

    def stop(self) -> None:
        """SIGTERM its process group (a warm shutdown), SIGKILL it if it lingers."""
        if self.running():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self._popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self._popen.wait()
        # Children left behind by a master that died first (gunicorn's workers, say).
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Stack:
    """The temporary directory, the bench's own Redis, and the processes started in them."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        socket_path = tmp / "redis" / "redis.sock"
        self._redis_server = embedded_redis.start(socket_path)
        self.redis_url = embedded_redis.url_for(socket_path)
        self.redis = Redis.from_url(self.redis_url)
        self._processes: list[Process] = []

    def env(self, database_url: str, **extra: str) -> dict[str, str]:
        """The environment of the service's processes, on `database_url` and our Redis."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMS_"))}
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            PYTHONPATH=str(ROOT),
            # "test" is the environment the suite runs real servers in; "production" would
            # refuse SQLite and the console sender, which the bench uses where it can.
            NOTIFIER_ENV="test",
            NOTIFIER_SECRET_KEY=SECRET_KEY,
            NOTIFIER_VAR_DIR=str(self.tmp / "var"),
            DATABASE_URL=database_url,
            REDIS_URL=self.redis_url,
            SMS_PROVIDER="console",
            SENDER_MPS="100000",
        )
        env.update(extra)
        return env

    def start(self, name: str, command: str, env: Mapping[str, str]) -> Process:
        """Start a command line; stopped by `stop` or when the stack closes."""
        logs = self.tmp / "logs"
        logs.mkdir(exist_ok=True)
        process = Process(name, command, env, logs / f"{name}.log")
        self._processes.append(process)
        return process

    def run(self, command: str, env: Mapping[str, str]) -> str:
        """Run a command line to its end; answer what it printed, or fail with it."""
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command!r} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def web(self, name: str, env: Mapping[str, str], app: str = SERVICE_APP) -> str:
        """Start the Procfile's web process serving `app`; answer its URL once it answers."""
        port = free_port()
        process = self.start(name, web_command(app), {**env, "PORT": str(port)})
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/healthz", process)
        return url

    def process(self, name: str) -> Process:
        """The running process started as `name`."""
        return next(p for p in self._processes if p.name == name)

    def stop(self, process: Process) -> None:
        """Stop one process."""
        process.stop()
        self._processes.remove(process)

    def stop_all(self) -> None:
        """Stop every process still running, newest first."""
        for process in reversed(self._processes):
            process.stop()
        self._processes.clear()

    def log_tails(self, lines: int = 20) -> str:
        """The last lines of every process's log (the directory goes when the run ends)."""
        tails = []
        for log in sorted((self.tmp / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(tails)

    def flush_redis(self) -> None:
        """Empty our own Redis (never another: the stack started this one)."""
        self.redis.flushdb()

    def close(self) -> None:
        """Stop every process, then Redis."""
        self.stop_all()
        self.redis.close()
        embedded_redis.stop(self._redis_server)


def wait_until_up(url: str, process: Process) -> None:
    """Poll `url` until it answers 200; fail with the process's log if it never does."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if not process.running():
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    tail = process.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"{process.name} did not come up at {url}:\n{tail}")
