"""The service's parts, built once per process from its settings.

The web app builds them in `create_app`; an RQ worker builds them on its first job from the
same environment. Jobs reach them through `current()`, so a job takes only ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

from notifier.clock import Clock, SystemClock
from notifier.config import Settings, load_settings
from notifier.db import Database
from notifier.phones import Pseudonymizer
from notifier.sending.dispatch import Dispatcher
from notifier.sending.pacing import SenderPacer
from notifier.sending.providers import SmsProvider
from notifier.sending.providers.console import ConsoleProvider

REDIS_SOCKET_TIMEOUT = 5
REDIS_CONNECT_TIMEOUT = 2


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


def make_provider(settings: Settings) -> SmsProvider:
    """The SMS provider the settings name."""
    if settings.sms_provider == "console":
        return ConsoleProvider()
    from notifier.sending.providers.twilio import TwilioProvider  # only loaded where Twilio is used

    assert settings.twilio_account_sid and settings.twilio_auth_token  # checked by config
    return TwilioProvider(
        settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base_url
    )


def build_services(
    settings: Settings, *, clock: Clock | None = None, provider: SmsProvider | None = None
) -> Services:
    """Build every part; nothing connects until first used."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    redis = Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
        health_check_interval=30,
    )
    return Services(
        settings=settings,
        db=db,
        redis=redis,
        clock=clock,
        provider=provider or make_provider(settings),
        pseudonymize=Pseudonymizer(settings.secret_key),
        dispatcher=Dispatcher(redis, db, clock),
        pacer=SenderPacer(redis, settings.sender_mps),
    )


_current: Services | None = None


def install(services: Services) -> None:
    """Make `services` the ones this process's jobs use."""
    global _current
    _current = services


def current() -> Services:
    """This process's services, built from the environment on first use."""
    if _current is None:
        install(build_services(load_settings()))
    assert _current is not None
    return _current
