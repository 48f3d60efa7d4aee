"""The suite refuses databases it does not own, in one line, before touching anything."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from notifier.config import PROJECT_ROOT
from tests.guard import refusal

# Nothing listens on port 9: a suite that got as far as connecting would fail differently.
POSTGRES = "postgresql://postgres@127.0.0.1:9/"


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": POSTGRES + "notifier_test"},
        {"DATABASE_URL": POSTGRES + "notifier_ci"},
        {"DATABASE_URL": "sqlite:////tmp/notifier-test.db"},
        {"REDIS_URL": "redis://127.0.0.1:6379/15"},
        {"REDIS_URL": "unix:///tmp/redis.sock?db=15"},
        {"DATABASE_URL": POSTGRES + "notifier", "NOTIFIER_TEST_ALLOW_WIPE": "1"},
        {},
    ],
)
def test_stores_meant_for_tests_are_accepted(env: dict[str, str]) -> None:
    assert refusal(env) is None


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": POSTGRES + "notifier"}, "DATABASE_URL names the database 'notifier'"),
        ({"DATABASE_URL": "sqlite:///var/notifier.db"}, "'notifier.db'"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "REDIS_URL selects Redis database 0"),
        ({"REDIS_URL": "redis://127.0.0.1:6379"}, "REDIS_URL selects Redis database 0"),
        ({"DATABASE_URL": POSTGRES + "notifier", "NOTIFIER_TEST_ALLOW_WIPE": "yes"}, "notifier"),
    ],
)
def test_other_stores_are_refused_naming_the_variable(env: dict[str, str], named: str) -> None:
    assert named in (refusal(env) or "")


def test_the_suite_refuses_a_database_named_notifier_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "REDIS_"))}
    env["DATABASE_URL"] = POSTGRES + "notifier"

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    lines = (run.stdout + run.stderr).strip().splitlines()
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert len(lines) == 1 and "refusing to run: DATABASE_URL" in lines[0], lines
