"""The `worker` process: RQ's SimpleWorker, with the settings checked and the services built once.

Started as in the Procfile: `rq worker --with-scheduler --worker-class workers.worker.Worker
-c workers.rq_settings`. Jobs run in this process, so its database pool and its HTTP connection
to the SMS provider are kept from one job to the next.
"""

from __future__ import annotations

from typing import Any

from rq import SimpleWorker

from notifier.startup import settings_or_exit


class Worker(SimpleWorker):
    """A SimpleWorker that refuses to start on bad settings and builds the services first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        settings = settings_or_exit()
        # Imported only now: the services count in the metrics directory chosen just above.
        from notifier.services import build_services, install

        install(build_services(settings))
        super().__init__(*args, **kwargs)
