"""The settings `rq worker --config workers.rqconfig` reads: the service's own Redis and queues.

RQ imports this before it connects to anything, so the settings are checked here first and a
bad one is named in one line (see `notifier.startup`). RQ's command line takes one Redis URL,
or, for Redis Sentinel, a `SENTINEL` setting in a module such as this one; both come from the
service's own settings (`REDIS_URL`, or `REDIS_SENTINELS` and `REDIS_SENTINEL_MASTER`), so a
worker finds Redis, and follows a failover, as the web processes and the relay do.
"""

from __future__ import annotations

from typing import Any

from notifier.redis_clients import BACKGROUND
from notifier.sending.dispatch import QUEUE_NAMES
from notifier.startup import settings_or_exit

_settings = settings_or_exit()
_connect = BACKGROUND.connect_timeout

QUEUES = list(QUEUE_NAMES)  # in the order workers take them
if _settings.redis_sentinels:
    SENTINEL: dict[str, Any] = {
        "INSTANCES": list(_settings.redis_sentinels),
        "MASTER_NAME": _settings.redis_sentinel_master,
        # RQ raises the worker's socket timeout to outlast its own blocking wait for a job.
        "SOCKET_TIMEOUT": BACKGROUND.socket_timeout,
        "CONNECTION_KWARGS": {"socket_connect_timeout": _connect},
        "SENTINEL_KWARGS": {"socket_timeout": _connect, "socket_connect_timeout": _connect},
    }
else:
    REDIS_URL = _settings.redis_url
