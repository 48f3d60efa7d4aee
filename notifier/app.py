"""`create_app()` builds the whole service; nothing connects at import."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from notifier import cli, console, logmask, metrics, migrate
from notifier.api import audit, consents, events, ops, problems, queues, subjects, twilio
from notifier.clock import Clock
from notifier.config import load_settings
from notifier.sending.providers import SmsProvider
from notifier.services import attach, build_services

BLUEPRINTS = (
    queues.bp,
    events.bp,
    consents.bp,
    twilio.bp,
    audit.bp,
    subjects.bp,
    ops.bp,
)
MAX_BODY_BYTES = 256 * 1024


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    clock: Clock | None = None,
    provider: SmsProvider | None = None,
) -> Flask:
    """The Flask app, configured from the environment, then `config` (setting names)."""
    settings = load_settings(overrides=config)
    _configure_logging()
    logmask.install()
    if settings.env == "development":
        migrate.upgrade(settings.database_url)
    svc = build_services(settings, clock=clock, provider=provider)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    attach(app, svc)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    console.register(app)
    problems.register(app)
    metrics.instrument(app)
    cli.register(app)
    return app


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
