"""RQ jobs. A worker process masks phone numbers in its logs, as the web process does."""

from notifier import logmask

logmask.install()
