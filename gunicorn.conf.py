"""Gunicorn's settings for the web process; gunicorn reads this file from the working directory.

Its access log writes each request's URL, and a URL can hold a phone number in any form, so the
service's log masking is installed here, in the arbiter, before any worker is forked: every
record of every gunicorn process (access and error logs alike) is masked before it is written.
"""

from notifier import logmask

logmask.install()
