"""The service's parts, built once per process from its settings.

Only entry points hold the whole bundle: the web app builds it in `create_app`, a worker when
it starts (`workers.worker.Worker`), the CLI and the relay from the app. Domain functions take
the parts they use.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from redis import Redis

from notifier.clock import Clock, SystemClock
from notifier.compliance.checkpoints import Notary
from notifier.compliance.keys import KeyCache
from notifier.config import Settings
from notifier.db import Database
from notifier.phones import KeyedPseudonymizer, Pseudonymizer
from notifier.redis_clients import BACKGROUND, WEB, Patience, connect
from notifier.sending.courier import CONCURRENCY
from notifier.sending.dispatch import Dispatcher
from notifier.sending.pacing import SenderPacer
from notifier.sending.providers import SmsProvider
from notifier.sending.providers.console import ConsoleProvider
from notifier.work import UnitOfWork

EXTENSION = "notifier"


@dataclass
class Services:
    """Everything a request or a job works with."""

    settings: Settings
    db: Database
    redis: Redis
    clock: Clock
    provider: SmsProvider
    pseudonymize: Pseudonymizer
    dispatcher: Dispatcher
    pacer: SenderPacer
    work: UnitOfWork
    keys: KeyCache
    notary: Notary


def make_provider(settings: Settings) -> SmsProvider:
    """The SMS provider the settings name."""
    if settings.sms_provider == "console":
        return ConsoleProvider()
    from notifier.sending.providers.twilio import TwilioProvider  # only loaded where Twilio is used

    assert settings.twilio_account_sid and settings.twilio_auth_token  # checked by config
    return TwilioProvider(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_api_base_url,
        connections=CONCURRENCY,
    )


def fallback_sender(settings: Settings) -> str | None:
    """The sender of texts whose queue names none: the default, else "console" when printing."""
    if settings.default_sender is None and settings.sms_provider == "console":
        return "console"
    return settings.default_sender


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    provider: SmsProvider | None = None,
    patience: Patience = WEB,
) -> Services:
    """Build every part; nothing connects until first used. Workers and the relay pass the
    patience of a background process (`notifier.redis_clients.BACKGROUND`)."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    redis = connect(settings, patience)
    pseudonymize = KeyedPseudonymizer(settings.secret_key)
    dispatcher = Dispatcher(redis, db, clock)
    return Services(
        settings=settings,
        db=db,
        redis=redis,
        clock=clock,
        provider=provider or make_provider(settings),
        pseudonymize=pseudonymize,
        dispatcher=dispatcher,
        pacer=SenderPacer(redis, settings.sender_mps),
        work=UnitOfWork(
            db,
            clock,
            dispatcher,
            pseudonymize,
            fallback_sender(settings),
            settings.support_contact,
        ),
        keys=KeyCache(),
        notary=Notary.of(settings, db, clock),
    )


def for_background(svc: Services) -> Services:
    """Services like `svc` whose Redis client has a background process's patience (the relay
    is started from the app, whose client gives a request's)."""
    return build_services(svc.settings, clock=svc.clock, provider=svc.provider, patience=BACKGROUND)


def attach(app: Flask, svc: Services) -> None:
    """Make `svc` the services of `app`, for its views and CLI commands."""
    app.extensions[EXTENSION] = svc


def of_app(app: Flask) -> Services:
    """The services of `app`."""
    return app.extensions[EXTENSION]  # type: ignore[no-any-return]


def current() -> Services:
    """The services of the Flask app handling this request or CLI command."""
    return of_app(current_app)
