"""Settings from the environment (and a `.env` file), checked once at start-up.

Defaults come first, then the environment, then the override a caller passes (tests).
A bad or missing value stops start-up with a `ConfigError` that names the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from notifier.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    env: str = "development"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    redis_url: str = ""
    redis_embedded: bool = True
    # Redis Sentinel: where the sentinels listen, and the name of the master they watch.
    redis_sentinels: tuple[tuple[str, int], ...] = ()
    redis_sentinel_master: str = "mymaster"
    sms_provider: str = "console"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    public_base_url: str = "http://localhost:8000"
    secret_key: str = field(default="", repr=False)
    sender_mps: float = 1.0
    relay_after_seconds: float = 5.0
    # Reply webhooks may be plain http on this machine (development only; see inbound.destinations)
    reply_webhook_allow_localhost: bool = False
    ledger_checkpoint_dir: Path | None = None
    port: int = 8000
    support_contact: str | None = None
    retention_days: int = 400
    ledger_retention_years: int = 5

    @property
    def default_sender(self) -> str | None:
        """The sender used when a queue names none."""
        return self.twilio_messaging_service_sid or self.twilio_from_number

    @property
    def status_callback_url(self) -> str:
        """Where Twilio posts delivery status callbacks."""
        return self.public_base_url + "/v1/twilio/status"

    @property
    def checkpoint_dir(self) -> Path:
        """Where the ledger's checkpoints are kept outside the database."""
        return self.ledger_checkpoint_dir or self.var_dir / "ledger"

    @property
    def embedded_redis_socket(self) -> Path:
        """The Unix socket of the embedded Redis server under `var/`."""
        return self.var_dir / "redis.sock"


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read settings: defaults, then `.env`, then the environment, then `overrides`."""
    env: dict[str, str] = {}
    if environ is None:
        env.update({k: v for k, v in dotenv_values(PROJECT_ROOT / ".env").items() if v is not None})
        env.update(os.environ)
    else:
        env.update(environ)
    settings = _from_env(env)
    if overrides:
        settings = replace(settings, **overrides)
    return settings


def _from_env(env: Mapping[str, str]) -> Settings:
    name = _choice(env, "NOTIFIER_ENV", ENVIRONMENTS, "development")
    if name == "production":
        _require_for_production(env)
    var_dir = Path(env.get("NOTIFIER_VAR_DIR") or PROJECT_ROOT / "var").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'notifier.db'}"
    sentinels = _sentinels(env.get("REDIS_SENTINELS") or "")
    _check_url("DATABASE_URL", database_url, ("sqlite", "postgresql", "postgresql+psycopg"))
    redis_url = _redis_url(env, name, var_dir, sentinels)
    twilio = _twilio(env)
    provider = _provider(env, twilio)
    if name == "development" and not twilio["twilio_auth_token"]:
        # So that `flask --app wsgi sms inbound` can sign webhooks as Twilio would; never
        # outside development, where an unsigned or self-signed webhook must be refused.
        twilio["twilio_auth_token"] = _generated(var_dir / "twilio_dev_token", 24)
    port = _positive_int(env, "PORT", 8000)
    public_base_url = (env.get("PUBLIC_BASE_URL") or f"http://localhost:{port}").rstrip("/")
    _check_url("PUBLIC_BASE_URL", public_base_url, ("http", "https"))
    return Settings(
        env=name,
        var_dir=var_dir,
        database_url=database_url,
        redis_url=redis_url,
        redis_embedded=not (env.get("REDIS_URL") or sentinels),
        redis_sentinels=sentinels,
        redis_sentinel_master=env.get("REDIS_SENTINEL_MASTER") or "mymaster",
        sms_provider=provider,
        public_base_url=public_base_url,
        secret_key=_secret_key(env, name, var_dir),
        sender_mps=_positive_float(env, "SENDER_MPS", 1.0),
        reply_webhook_allow_localhost=_localhost_webhooks(env, name),
        ledger_checkpoint_dir=_optional_path(env, "LEDGER_CHECKPOINT_DIR"),
        port=port,
        support_contact=env.get("SUPPORT_CONTACT") or None,
        retention_days=_positive_int(env, "RETENTION_DAYS", 400),
        ledger_retention_years=_positive_int(env, "LEDGER_RETENTION_YEARS", 5),
        **twilio,
    )


def _redis_url(
    env: Mapping[str, str], name: str, var_dir: Path, sentinels: tuple[tuple[str, int], ...]
) -> str:
    """REDIS_URL, checked; none with sentinels (they name the master); else the embedded one."""
    redis_url = env.get("REDIS_URL") or ""
    if redis_url:
        _check_url("REDIS_URL", redis_url, ("redis", "rediss", "unix"))
        return redis_url
    if sentinels:
        return ""
    if name == "production":
        raise ConfigError(
            "REDIS_URL is required when NOTIFIER_ENV is production (or, for Redis Sentinel, "
            "REDIS_SENTINELS)"
        )
    return f"unix://{var_dir / 'redis.sock'}"


# What production needs set, in the order it is asked for; each names what it guards against.
PRODUCTION_REQUIRES = (
    ("NOTIFIER_SECRET_KEY", "pseudonyms and signatures must not depend on one machine's file"),
    ("REDIS_URL", "the embedded Redis is for one machine in development"),
    ("DATABASE_URL", "set sqlite:///... explicitly if that is really meant"),
    ("SUPPORT_CONTACT", "HELP must name a contact when a queue has none"),
)


def _require_for_production(env: Mapping[str, str]) -> None:
    """Production refuses to pretend: no silent console sender, SQLite or generated key."""
    for name, why in PRODUCTION_REQUIRES:
        if name == "REDIS_URL" and env.get("REDIS_SENTINELS"):
            continue  # the sentinels name the master: there is no one URL
        if not env.get(name):
            raise ConfigError(f"{name} is required when NOTIFIER_ENV is production ({why})")
    if env.get("SMS_PROVIDER") != "console" and not env.get("TWILIO_ACCOUNT_SID"):
        raise ConfigError(
            "TWILIO_ACCOUNT_SID is required when NOTIFIER_ENV is production"
            " (or set SMS_PROVIDER=console explicitly to print texts instead of sending them)"
        )


def _twilio(env: Mapping[str, str]) -> dict[str, Any]:
    sid = env.get("TWILIO_ACCOUNT_SID") or None
    if sid and not ACCOUNT_SID.match(sid):
        raise ConfigError("TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits")
    service = env.get("TWILIO_MESSAGING_SERVICE_SID") or None
    if service and not MESSAGING_SERVICE_SID.match(service):
        raise ConfigError(
            "TWILIO_MESSAGING_SERVICE_SID must look like MG followed by 32 hex digits"
        )
    from_number = env.get("TWILIO_FROM_NUMBER") or None
    if from_number and not E164.match(from_number):
        raise ConfigError("TWILIO_FROM_NUMBER must be an E.164 number such as +15005550006")
    base_url = (env.get("TWILIO_API_BASE_URL") or "https://api.twilio.com").rstrip("/")
    _check_url("TWILIO_API_BASE_URL", base_url, ("http", "https"))
    return {
        "twilio_account_sid": sid,
        "twilio_auth_token": env.get("TWILIO_AUTH_TOKEN") or None,
        "twilio_messaging_service_sid": service,
        "twilio_from_number": from_number,
        "twilio_api_base_url": base_url,
    }


def _provider(env: Mapping[str, str], twilio: Mapping[str, Any]) -> str:
    has_credentials = bool(twilio["twilio_account_sid"] and twilio["twilio_auth_token"])
    provider = _choice(
        env, "SMS_PROVIDER", ("twilio", "console"), "twilio" if has_credentials else "console"
    )
    if provider == "twilio":
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
            if not env.get(name):
                raise ConfigError(f"{name} is required when SMS_PROVIDER is twilio")
    return provider


def _secret_key(env: Mapping[str, str], name: str, var_dir: Path) -> str:
    key = env.get("NOTIFIER_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigError("NOTIFIER_SECRET_KEY must be at least 32 characters long")
        return key
    if name == "production":
        raise ConfigError("NOTIFIER_SECRET_KEY is required when NOTIFIER_ENV is production")
    # Development and tests keep a generated key so that pseudonyms stay stable across runs.
    return _generated(var_dir / "secret_key", 48)


def _generated(path: Path, size: int) -> str:
    """A random token kept in `path` (made on first use, readable by its owner only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(size))
        path.chmod(0o600)
    return path.read_text().strip()


def _localhost_webhooks(env: Mapping[str, str], name: str) -> bool:
    allowed = _choice(env, "REPLY_WEBHOOK_ALLOW_LOCALHOST", ("true", "false"), "false") == "true"
    if allowed and name == "production":
        raise ConfigError("REPLY_WEBHOOK_ALLOW_LOCALHOST is for development, not production")
    return allowed


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw).resolve() if raw else None


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _sentinels(raw: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` as pairs; a malformed entry stops start-up."""
    found = []
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"REDIS_SENTINELS must list host:port pairs; got {entry!r}")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number; got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0; got {raw!r}")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.strip().isdigit() or int(raw) <= 0:
        raise ConfigError(f"{name} must be a whole number greater than 0; got {raw!r}")
    return int(raw)


def _check_url(name: str, url: str, schemes: tuple[str, ...]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise ConfigError(f"{name} must be a URL starting with {' or '.join(schemes)}://")
    if parts.scheme.startswith("sqlite") or parts.scheme == "unix":
        return
    if not parts.hostname:
        raise ConfigError(f"{name} has no host: {url!r}")
