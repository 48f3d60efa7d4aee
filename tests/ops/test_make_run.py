"""`make run` is a good citizen: a busy port is named, and no child outlives it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from notifier.config import PROJECT_ROOT
from tests.ops.procfile import environment
from tests.servers import free_port

WELCOME = "notifier is running on"
READY_SECONDS = 90.0
GONE_SECONDS = 30.0


@dataclass
class MakeRun:
    """`make run`'s entry point, running."""

    process: subprocess.Popen[bytes]
    output: Path
    env: dict[str, str]

    def printed(self) -> str:
        """Everything it and its children printed so far."""
        return self.output.read_text(errors="replace")


def make_run(tmp_path: Path, port: int) -> MakeRun:
    """Start what `make run` starts, on its embedded defaults, output to a file."""
    env = environment(tmp_path, NOTIFIER_ENV="development", PORT=str(port))
    output = tmp_path / "make-run.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "notifier.devserver"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return MakeRun(process, output, env)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[MakeRun]:
    """`make run`, once it has printed its welcome."""
    run = make_run(tmp_path, free_port())
    deadline = time.monotonic() + READY_SECONDS
    started: list[psutil.Process] = []
    try:
        while WELCOME not in run.printed():
            assert run.process.poll() is None, run.printed()
            assert time.monotonic() < deadline, run.printed()
            time.sleep(0.2)
        started = descendants(run)
        yield run
    finally:
        for process in started:
            if process.is_running():  # only if the test failed: it checks that none is left
                process.kill()
        if run.process.poll() is None:
            run.process.kill()
        run.process.wait()


def descendants(run: MakeRun) -> list[psutil.Process]:
    """Every process `make run` started, and those they started."""
    return psutil.Process(run.process.pid).children(recursive=True)


def test_a_busy_port_is_named_before_any_welcome(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = make_run(tmp_path, port)
        code = run.process.wait(timeout=60)

    lines = run.printed().strip().splitlines()
    assert code != 0
    assert len(lines) == 1 and f"Port {port} is in use" in lines[0]


@pytest.mark.parametrize("how", [signal.SIGHUP, signal.SIGKILL])
def test_closing_the_terminal_or_killing_it_leaves_no_process(
    running: MakeRun, how: signal.Signals
) -> None:
    children = descendants(running)
    names = {child.name() for child in children}

    running.process.send_signal(how)
    running.process.wait(timeout=GONE_SECONDS)
    _, alive = psutil.wait_procs(children, timeout=GONE_SECONDS)

    assert {"redis-server", "gunicorn", "rq", "flask"} <= names, names
    assert alive == []


def test_a_newcomer_texts_the_running_service_through_its_signed_webhook(
    running: MakeRun,
) -> None:
    sent = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "sms", "inbound"]
        + ["+13055550142", "HELP"],
        cwd=PROJECT_ROOT,
        env=running.env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert sent.returncode == 0, sent.stderr
    assert "HTTP 200" in sent.stdout
    deadline = time.monotonic() + GONE_SECONDS
    while "Msg&data rates may apply" not in running.printed():  # the worker sends the answer
        assert time.monotonic() < deadline, running.printed()
        time.sleep(0.2)
