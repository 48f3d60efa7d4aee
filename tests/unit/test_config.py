"""Settings: defaults, the environment, and start-up stopped by a bad value that is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifier.config import load_settings
from notifier.errors import ConfigError

SECRET = "s" * 40
TWILIO = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "token"}


def settings(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    """Settings from exactly `env` (plus a var dir and a secret)."""
    return load_settings({"NOTIFIER_VAR_DIR": str(tmp_path), "NOTIFIER_SECRET_KEY": SECRET, **env})


def test_embedded_defaults_need_nothing(tmp_path: Path) -> None:
    found = settings(tmp_path)

    assert found.database_url == f"sqlite:///{tmp_path / 'notifier.db'}"
    assert found.redis_embedded and found.redis_url == f"unix://{tmp_path / 'redis.sock'}"
    assert found.sms_provider == "console"
    assert found.sender_mps == 1.0
    assert found.status_callback_url == "http://localhost:8000/v1/twilio/status"


def test_twilio_is_the_provider_when_its_credentials_are_set(tmp_path: Path) -> None:
    assert settings(tmp_path, **TWILIO).sms_provider == "twilio"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SENDER_MPS": "fast"}, "SENDER_MPS"),
        ({"SENDER_MPS": "0"}, "SENDER_MPS"),
        ({"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER"),
        ({"SMS_PROVIDER": "twilio"}, "TWILIO_ACCOUNT_SID"),
        ({"DATABASE_URL": "mysql://db/notifier"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
        ({"PUBLIC_BASE_URL": "localhost:8000"}, "PUBLIC_BASE_URL"),
        ({"TWILIO_FROM_NUMBER": "555-0100"}, "TWILIO_FROM_NUMBER"),
        ({"TWILIO_MESSAGING_SERVICE_SID": "MG123"}, "TWILIO_MESSAGING_SERVICE_SID"),
        ({"NOTIFIER_ENV": "staging"}, "NOTIFIER_ENV"),
        ({"NOTIFIER_SECRET_KEY": "short"}, "NOTIFIER_SECRET_KEY"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        settings(tmp_path, **env)


def test_production_requires_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NOTIFIER_SECRET_KEY is required"):
        load_settings(
            {
                "NOTIFIER_VAR_DIR": str(tmp_path),
                "NOTIFIER_ENV": "production",
                "REDIS_URL": "redis://127.0.0.1:6379/0",
            }
        )


def test_production_requires_a_redis_server(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REDIS_URL is required"):
        settings(tmp_path, NOTIFIER_ENV="production")


def test_development_keeps_a_generated_secret_key_across_starts(tmp_path: Path) -> None:
    env = {"NOTIFIER_VAR_DIR": str(tmp_path)}

    first, second = load_settings(env), load_settings(env)

    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_localhost_reply_webhooks_are_for_development_only(tmp_path: Path) -> None:
    production = {**PRODUCTION, **TWILIO}

    assert settings(tmp_path, REPLY_WEBHOOK_ALLOW_LOCALHOST="true").reply_webhook_allow_localhost
    assert not settings(tmp_path, **production).reply_webhook_allow_localhost
    with pytest.raises(ConfigError, match="REPLY_WEBHOOK_ALLOW_LOCALHOST"):
        settings(tmp_path, REPLY_WEBHOOK_ALLOW_LOCALHOST="true", **production)
    with pytest.raises(ConfigError, match="REPLY_WEBHOOK_ALLOW_LOCALHOST"):
        settings(tmp_path, REPLY_WEBHOOK_ALLOW_LOCALHOST="yes please")


PRODUCTION = {
    "NOTIFIER_ENV": "production",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "postgresql://notifier@db/notifier",
    "SUPPORT_CONTACT": "help@example.com",
}


def test_production_without_twilio_settings_refuses_to_fake_sending(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="^TWILIO_ACCOUNT_SID is required"):
        settings(tmp_path, **PRODUCTION)


def test_production_prints_texts_only_when_told_so(tmp_path: Path) -> None:
    assert settings(tmp_path, **PRODUCTION, SMS_PROVIDER="console").sms_provider == "console"


def test_production_uses_sqlite_only_when_told_so(tmp_path: Path) -> None:
    env = {**PRODUCTION, **TWILIO}
    del env["DATABASE_URL"]
    with pytest.raises(ConfigError, match="^DATABASE_URL is required"):
        settings(tmp_path, **env)
    explicit = settings(tmp_path, **env, DATABASE_URL=f"sqlite:///{tmp_path}/n.db")
    assert explicit.database_url.startswith("sqlite:///")


def test_production_requires_a_support_contact(tmp_path: Path) -> None:
    env = {**PRODUCTION, **TWILIO, "SUPPORT_CONTACT": ""}
    with pytest.raises(ConfigError, match="^SUPPORT_CONTACT is required"):
        settings(tmp_path, **env)


def test_only_development_signs_webhooks_with_a_generated_token(tmp_path: Path) -> None:
    development = settings(tmp_path)
    again = settings(tmp_path)
    test = settings(tmp_path, NOTIFIER_ENV="test")

    assert (
        development.twilio_auth_token and development.twilio_auth_token == again.twilio_auth_token
    )
    assert development.sms_provider == "console"
    assert test.twilio_auth_token is None


def test_retention_and_port_are_read_and_checked(tmp_path: Path) -> None:
    found = settings(tmp_path, RETENTION_DAYS="30", LEDGER_RETENTION_YEARS="6", PORT="8100")

    assert (found.retention_days, found.ledger_retention_years) == (30, 6)
    assert found.public_base_url == "http://localhost:8100"
    for name in ("RETENTION_DAYS", "LEDGER_RETENTION_YEARS", "PORT"):
        with pytest.raises(ConfigError, match=name):
            settings(tmp_path, **{name: "-1"})
