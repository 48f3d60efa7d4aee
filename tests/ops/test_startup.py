"""Production refuses to pretend: every process type names a missing setting in one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from notifier.startup import EXIT_CONFIG
from tests.ops.procfile import environment, run

# Everything production needs, pointing nowhere: nothing may be reached before the check.
PRODUCTION = {
    "NOTIFIER_ENV": "production",
    "NOTIFIER_SECRET_KEY": "k" * 40,
    "DATABASE_URL": "postgresql://notifier@127.0.0.1:9/notifier",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "SUPPORT_CONTACT": "help@example.com",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM_NUMBER": "+15005550006",
}


def without(*names: str) -> dict[str, str]:
    """The production settings less `names`."""
    return {k: v for k, v in PRODUCTION.items() if k not in names}


def assert_one_line_naming(done: subprocess.CompletedProcess[str], variable: str) -> None:
    """The process stopped with the config status and exactly one line, which names it."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == EXIT_CONFIG, done.stderr
    assert len(lines) == 1, done.stderr
    assert variable in lines[0] and "Traceback" not in lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize("process_type", ["release", "web", "worker", "relay"])
def test_production_without_twilio_stops_every_process_type(
    tmp_path: Path, process_type: str
) -> None:
    env = environment(
        tmp_path, **without("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
    )

    assert_one_line_naming(run(process_type, env), "TWILIO_ACCOUNT_SID")


@pytest.mark.parametrize(
    "variable", ["DATABASE_URL", "SUPPORT_CONTACT", "NOTIFIER_SECRET_KEY", "REDIS_URL"]
)
def test_production_names_each_missing_setting(tmp_path: Path, variable: str) -> None:
    assert_one_line_naming(run("worker", environment(tmp_path, **without(variable))), variable)
