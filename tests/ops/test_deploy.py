"""The deployment files say what the Procfile says, and `.env.example` names every setting."""

from __future__ import annotations

import re

import pytest

from notifier.config import PROJECT_ROOT
from tests.ops.procfile import commands

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = {"web": "notifier-web.service", "worker": "notifier-worker@.service"}
UNITS["relay"] = "notifier-relay.service"


@pytest.mark.parametrize("process_type", sorted(UNITS))
def test_each_unit_starts_what_the_procfile_starts(process_type: str) -> None:
    unit = (DEPLOY / UNITS[process_type]).read_text()
    [start] = re.findall(r"^ExecStart=/opt/notifier/\.venv/bin/(.+)$", unit, re.MULTILINE)

    assert start.startswith(commands()[process_type])
    assert "RestartPreventExitStatus=4" in unit  # a configuration error is not restarted
    assert "PROMETHEUS_MULTIPROC_DIR=/run/notifier/metrics" in unit


def test_the_example_environment_names_every_documented_setting() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z_]+)`", table))

    named = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", example, re.MULTILINE))

    assert documented - {"NOTIFIER_VAR_DIR"} <= named, documented - named
