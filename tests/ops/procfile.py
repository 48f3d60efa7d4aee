"""The Procfile's commands, run as an operator would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from notifier.config import PROJECT_ROOT

BIN = Path(sys.executable).parent


def commands() -> dict[str, str]:
    """Each process type's command line, as the Procfile says."""
    lines = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    pairs = (line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): command.strip() for name, command in pairs}


def environment(tmp_path: Path, **env: str) -> dict[str, str]:
    """Exactly `env`, with the virtual environment's commands first on the PATH."""
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "NOTIFIER_VAR_DIR": str(tmp_path / "var"),
        **env,
    }


def run(
    process_type: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one process type's command through a shell, as Procfile runners do."""
    return subprocess.run(
        ["/bin/sh", "-c", "exec " + commands()[process_type]],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
