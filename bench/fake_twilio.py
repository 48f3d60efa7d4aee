"""The tests' fake Twilio, served from a process of its own, timestamping every text it takes.

A process of its own, so that neither the service's worker nor the bare client loop shares
an interpreter (and its lock) with the server they both send to. The bench talks to it over
its standard input and output, one line each way:

    wait N SECONDS   ->  {"times": [...]}   the arrival time of every text, once N have come
                                            or SECONDS have passed
    reset            ->  {}                 forget every text
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import IO, Any

from bench.stack import ROOT
from tests.fakes.twilio import DEFAULT_AUTH_TOKEN, FakeTwilio

POLL_SECONDS = 0.01
SENDER = "+15005550006"  # the default sender every text of the bench goes from


def serve(commands: IO[str], answers: IO[str]) -> None:
    """Serve until the commands end."""
    with FakeTwilio() as fake:
        _answer(answers, {"base_url": fake.base_url, "sid": fake.account_sid})
        for line in commands:
            word, *args = line.split()
            if word == "wait":
                deadline = time.monotonic() + float(args[1])
                while len(fake.messages) < int(args[0]) and time.monotonic() < deadline:
                    time.sleep(POLL_SECONDS)
                times = [m.received_at.timestamp() for m in fake.messages]
                _answer(answers, {"times": times})
            elif word == "reset":
                fake.reset()
                _answer(answers, {})


def _answer(out: IO[str], payload: dict[str, Any]) -> None:
    out.write(json.dumps(payload) + "\n")
    out.flush()


class FakeTwilioProcess:
    """The bench's handle on the fake Twilio's process."""

    def __init__(self) -> None:
        self._popen = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_twilio"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read()
        self.base_url: str = hello["base_url"]
        self.account_sid: str = hello["sid"]
        self.auth_token = DEFAULT_AUTH_TOKEN

    def env(self) -> dict[str, str]:
        """The service's settings that send through the real Twilio client to this fake."""
        return {
            "SMS_PROVIDER": "twilio",
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": SENDER,
            "TWILIO_API_BASE_URL": self.base_url,
        }

    def wait(self, count: int, seconds: float) -> list[float]:
        """The arrival times (Unix seconds) of the texts taken, once `count` have come or
        `seconds` have passed, whichever is first."""
        times: list[float] = self._ask(f"wait {count} {seconds}")["times"]
        return times

    def reset(self) -> None:
        """Forget every text taken."""
        self._ask("reset")

    def close(self) -> None:
        """Stop the fake and its process."""
        if self._popen.stdin is not None:
            self._popen.stdin.close()
        try:
            self._popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait()

    def _ask(self, command: str) -> dict[str, Any]:
        assert self._popen.stdin is not None
        self._popen.stdin.write(command + "\n")
        self._popen.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self._popen.stdout is not None
        line = self._popen.stdout.readline()
        if not line:
            raise RuntimeError("the fake Twilio's process ended")
        answer: dict[str, Any] = json.loads(line)
        return answer


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
