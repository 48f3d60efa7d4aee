"""The Flask CLI: keys made, shown once on the last line, revoked; bad config named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from notifier.config import PROJECT_ROOT

FLASK = str(Path(sys.executable).parent / "flask")


def test_keys_create_prints_the_key_alone_on_the_last_line_and_it_works(app: Flask) -> None:
    made = app.test_cli_runner().invoke(
        args=["keys", "create", "booking", "--scopes", "events:write,queues:write"]
    )
    key = made.output.strip().splitlines()[-1]

    client = app.test_client()
    answer = client.get("/v1/queues/desk", headers={"Authorization": f"Bearer {key}"})
    forbidden = client.get("/v1/audit/verify", headers={"Authorization": f"Bearer {key}"})

    assert made.exit_code == 0 and key.startswith("ntf_") and " " not in key
    assert answer.status_code == 404  # authenticated, and there is no such queue
    assert forbidden.status_code == 403


def test_a_revoked_key_is_refused_at_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    key = runner.invoke(args=["keys", "create", "pos", "--scopes", "admin"]).output.split()[-1]

    revoked = runner.invoke(args=["keys", "revoke", "pos"])
    answer = app.test_client().get("/v1/queues/x", headers={"Authorization": f"Bearer {key}"})

    assert revoked.exit_code == 0
    assert answer.status_code == 401


def test_unknown_scope_is_a_plain_error(app: Flask) -> None:
    made = app.test_cli_runner().invoke(args=["keys", "create", "x", "--scopes", "everything"])

    assert made.exit_code != 0
    assert "unknown scopes everything" in made.output


def test_the_real_cli_names_a_bad_setting_and_stops(tmp_path: Path) -> None:
    env = dict(os.environ, NOTIFIER_VAR_DIR=str(tmp_path), SENDER_MPS="fast")

    run = subprocess.run(
        [FLASK, "--app", "wsgi", "keys", "create", "x", "--scopes", "admin"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode != 0
    assert "SENDER_MPS must be a number" in run.stderr
