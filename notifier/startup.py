"""What every process type does first: check its settings, and stop with one line if they are bad.

Web (gunicorn's master, through `notifier.gunicorn_config`, and each of its workers through
`wsgi.py`), the RQ worker (`workers.worker`), the relay and every CLI command (both through
`wsgi.py`) call `settings_or_exit()` before doing anything else, so a bad or missing setting is
named in one line on stderr and the process exits with `EXIT_CONFIG`, never a traceback and
never minutes of work on a wrong configuration.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from notifier.config import Settings, load_settings
from notifier.errors import ConfigError

# gunicorn's "App failed to load" status: a worker that exits with it makes the master stop
# instead of starting workers again forever. One status for every process type keeps it simple.
EXIT_CONFIG = 4
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def settings_or_exit(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings, or one line naming the bad variable on stderr and `EXIT_CONFIG`."""
    try:
        settings = load_settings(overrides=overrides)
    except ConfigError as error:
        print(f"notifier: configuration error: {error.detail}", file=sys.stderr, flush=True)  # noqa: T201
        raise SystemExit(EXIT_CONFIG) from None
    share_metrics(settings)
    return settings


def share_metrics(settings: Settings) -> None:
    """Count in prometheus-client's multiprocess mode, in one directory per machine.

    Web workers, RQ workers and the relay all write there, so that `/metrics`, whichever web
    worker answers it, adds up every process of the machine. It must be set before
    prometheus_client is first imported, which is why the entry points call this first.
    """
    directory = os.environ.setdefault(METRICS_DIR, str(settings.var_dir / "metrics"))
    os.makedirs(directory, exist_ok=True)
