"""gunicorn's settings for the `web` process: `gunicorn --config python:notifier.gunicorn_config`.

Read by gunicorn's master before it logs a line, so a bad setting stops it with one line (see
`notifier.startup`) instead of a master that starts workers which fail, again and again.
"""

from __future__ import annotations

import os
from typing import Any

from notifier import logmask
from notifier.startup import settings_or_exit

_settings = settings_or_exit()
# The access log writes each request's URL, which can hold a phone number in any form: the
# masking is installed here, in the master, before any worker is forked, so every record of
# every gunicorn process is masked before it is written.
logmask.install()

bind = [f"0.0.0.0:{_settings.port}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 8
accesslog = "-"
# gunicornc's control socket defaults to one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl),
# which two instances on a machine would share and anyone running as the user could drive.
control_socket_disable = True


def child_exit(server: Any, worker: Any) -> None:
    """A web worker ended: its live gauges leave the sums (its counters stay counted)."""
    from prometheus_client import multiprocess  # imported after the metrics directory is set

    multiprocess.mark_process_dead(worker.pid)
