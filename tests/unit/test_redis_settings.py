"""Where the service finds Redis: one URL, or the master that Redis Sentinel names; and how
long each kind of process waits on it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from redis.sentinel import SentinelConnectionPool

from notifier.errors import ConfigError
from notifier.redis_clients import BACKGROUND, WEB, connect
from notifier.startup import METRICS_DIR
from tests.unit.test_config import settings

SENTINELS = "10.0.0.5:26379, 10.0.0.6:26379,sentinel-3.internal:26380"


def test_sentinels_are_read_as_host_port_pairs_with_their_master(tmp_path: Path) -> None:
    found = settings(tmp_path, REDIS_SENTINELS=SENTINELS, REDIS_SENTINEL_MASTER="notifier")

    assert found.redis_sentinels == (
        ("10.0.0.5", 26379),
        ("10.0.0.6", 26379),
        ("sentinel-3.internal", 26380),
    )
    assert found.redis_sentinel_master == "notifier"
    assert not found.redis_embedded


def test_production_may_name_sentinels_instead_of_a_url(tmp_path: Path) -> None:
    found = settings(
        tmp_path,
        NOTIFIER_ENV="production",
        REDIS_SENTINELS="10.0.0.5:26379",
        DATABASE_URL="postgresql://notifier@db/notifier",
        SUPPORT_CONTACT="help@example.com",
        SMS_PROVIDER="console",
    )

    assert found.redis_sentinels == (("10.0.0.5", 26379),)
    assert found.redis_sentinel_master == "mymaster"


@pytest.mark.parametrize("bad", ["10.0.0.5", "10.0.0.5:port", ":26379", "10.0.0.5:70000"])
def test_a_sentinel_without_a_port_stops_start_up_naming_the_setting(
    tmp_path: Path, bad: str
) -> None:
    with pytest.raises(ConfigError, match="REDIS_SENTINELS"):
        settings(tmp_path, REDIS_SENTINELS=f"10.0.0.9:26379,{bad}")


def test_web_clients_wait_a_tenth_of_a_second_once_and_workers_longer(tmp_path: Path) -> None:
    found = settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    web = connect(found, WEB).connection_pool.connection_kwargs
    background = connect(found, BACKGROUND).connection_pool.connection_kwargs

    assert (web["socket_timeout"], web["socket_connect_timeout"]) == (0.1, 0.1)
    assert web["retry"].get_retries() == 0
    assert background["socket_timeout"] > 1 and background["retry"].get_retries() > 0


def test_through_sentinels_a_client_asks_them_for_the_master(tmp_path: Path) -> None:
    client = connect(settings(tmp_path, REDIS_SENTINELS=SENTINELS), WEB)

    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "mymaster"
    assert pool.connection_kwargs["socket_timeout"] == 0.1


def test_the_worker_command_finds_redis_where_the_service_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFIER_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("REDIS_SENTINELS", SENTINELS)
    monkeypatch.setenv("REDIS_SENTINEL_MASTER", "notifier")
    monkeypatch.delenv("REDIS_URL", raising=False)
    # Set here so that it is unset again after: importing the worker's settings sets it, and
    # this process's metrics would then be looked for in files no process writes.
    monkeypatch.setenv(METRICS_DIR, str(tmp_path / "metrics"))
    sys.modules.pop("workers.rqconfig", None)  # it reads the settings once, when imported
    try:
        rqconfig = importlib.import_module("workers.rqconfig")
    finally:
        sys.modules.pop("workers.rqconfig", None)

    assert rqconfig.SENTINEL["INSTANCES"] == [
        ("10.0.0.5", 26379),
        ("10.0.0.6", 26379),
        ("sentinel-3.internal", 26380),
    ]
    assert rqconfig.SENTINEL["MASTER_NAME"] == "notifier"
    assert not hasattr(rqconfig, "REDIS_URL")
