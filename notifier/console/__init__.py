"""The compliance console: server-rendered pages for compliance staff under `/console`.

Sessions are Flask's signed cookie (HttpOnly, SameSite=Lax, Secure outside development), every
form carries a CSRF token (Flask-WTF), strings are marked for Babel (Flask-Babel), and times are
shown in the viewer's time zone. The pages read through the compliance functions
(`notifier.compliance`: story, dashboard, audit, subjects, ...), never SQL of their own.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Flask, session
from flask_babel import Babel

from notifier.console import numbers, pages, signin, words
from notifier.console.blueprint import bp, csrf
from notifier.services import Services

SESSION_HOURS = 8

__all__ = ["numbers", "pages", "register", "signin"]


def register(app: Flask) -> None:
    """Add the console to the app: its blueprint, sessions, CSRF checks and Babel."""
    svc: Services = app.extensions["notifier"]
    app.secret_key = _session_key(svc.settings.secret_key)
    app.config.update(
        SESSION_COOKIE_NAME="notifier_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=svc.settings.env != "development",
        SESSION_COOKIE_PATH="/console",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # The JSON API and Twilio's webhooks carry no CSRF token (they are not authenticated by
        # a cookie); the console checks its own forms, in `blueprint.py`.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
    )
    csrf.init_app(app)
    Babel(app, locale_selector=lambda: "en", timezone_selector=_viewer_timezone)
    words.install(app)
    app.register_blueprint(bp)


def _session_key(secret: str) -> bytes:
    """A key of its own for signing console sessions, derived from `NOTIFIER_SECRET_KEY`."""
    return hmac.new(secret.encode(), b"notifier-console-session", hashlib.sha256).digest()


def _viewer_timezone() -> str | None:
    zone = session.get("tz")
    return zone if isinstance(zone, str) else None
