"""What `rq worker -c workers.rq_settings` reads: the service's own Redis and queues.

RQ imports this before it connects to anything, so the settings are checked here first and a
bad one is named in one line (see `notifier.startup`); the Redis is the one the service uses,
embedded in development, so the worker never guesses another.
"""

from __future__ import annotations

from notifier.sending.dispatch import QUEUE_NAMES
from notifier.startup import settings_or_exit

_settings = settings_or_exit()

REDIS_URL = _settings.redis_url
QUEUES = list(QUEUE_NAMES)  # in the order workers take them
