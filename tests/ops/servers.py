"""Starting and stopping the service's real processes in tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

import requests

from notifier.config import PROJECT_ROOT
from tests.ops.procfile import commands

START_SECONDS = 60.0


def start(process_type: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start one Procfile process type in a session of its own (so it can be stopped whole)."""
    return subprocess.Popen(
        ["/bin/sh", "-c", "exec " + commands()[process_type]],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    """Poll `ready` until it holds; fail if the process ends or the deadline passes."""
    deadline = time.monotonic() + START_SECONDS
    while not ready():
        if process.poll() is not None:
            raise AssertionError(
                f"{what} stopped: {process.stderr.read() if process.stderr else ''}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start within {START_SECONDS} s")
        time.sleep(0.1)


def answers(url: str) -> bool:
    """The URL answers 200."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def stop(process: subprocess.Popen[str]) -> None:
    """Stop the process and all it started; wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.stderr:
        process.stderr.close()
