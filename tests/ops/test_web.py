"""The `web` process as the Procfile runs it: gunicorn, several workers, one set of metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from notifier.config import PROJECT_ROOT
from tests.ops.procfile import environment
from tests.ops.servers import answers, start, stop, wait_until
from tests.servers import free_port

MONOTONIC = ("_total", "_count", "_sum", "_bucket")
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class Web:
    """A running `web` process."""

    url: str
    master: psutil.Process
    metrics_dir: Path
    home: Path
    env: dict[str, str]


@pytest.fixture
def web(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[Web]:
    """gunicorn with two single-threaded workers, as the Procfile starts it."""
    port = free_port()
    env = environment(
        tmp_path,
        NOTIFIER_ENV="test",
        NOTIFIER_SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PORT=str(port),
        WEB_CONCURRENCY="2",
        # One request at a time per worker, so that concurrent requests reach both.
        GUNICORN_CMD_ARGS=f"--bind 127.0.0.1:{port} --threads 1",
    )
    process = start("web", env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(url + "/healthz"), process, "gunicorn")
        web = Web(url, psutil.Process(process.pid), tmp_path / "var" / "metrics", tmp_path, env)
        # Until both workers have booted and counted, one of them may take every request.
        wait_until(
            lambda: hit(url + "/healthz", 8) or len(counting_pids(web)) >= 2, process, "2 workers"
        )
        yield web
    finally:
        stop(process)


def hit(url: str, times: int) -> None:
    """`times` requests at once-ish, on fresh connections, so several workers take them."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: requests.get(url, timeout=10).status_code, range(times)))
    assert codes == [200] * times


def scrape(web: Web) -> Samples:
    """Every sample of one scrape."""
    text = requests.get(web.url + "/metrics", timeout=10).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def healthz(samples: Samples) -> float:
    """How many GET /healthz were answered 200, by the scrape's account."""
    labels = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    return samples.get(("notifier_http_requests_total", labels), 0.0)


def counting_pids(web: Web) -> set[str]:
    """The processes that wrote counters into the metrics directory."""
    return {p.stem.rsplit("_", 1)[1] for p in web.metrics_dir.glob("counter_*.db")}


def test_two_scrapes_through_two_workers_add_up_and_never_go_back(web: Web) -> None:
    start = healthz(scrape(web))
    hit(web.url + "/healthz", 40)
    first = scrape(web)
    [victim, *_] = web.master.children()
    os.kill(victim.pid, signal.SIGKILL)  # a worker dies; the master starts another
    victim.wait(timeout=10)
    hit(web.url + "/healthz", 10)
    second = scrape(web)

    assert healthz(first) == start + 40
    assert healthz(second) == start + 50  # the dead worker's counts are still counted
    went_back = [
        key
        for key, before in first.items()
        if key[0].endswith(MONOTONIC) and second.get(key, 0.0) < before
    ]
    assert went_back == []


def test_gunicorns_control_socket_is_off(web: Web) -> None:
    hit(web.url + "/healthz", 2)

    assert [p.name for p in web.home.rglob("*.ctl")] == []
    assert [c.laddr for c in web.master.net_connections(kind="unix") if c.laddr] == []


# What the relay and the RQ workers do when they count: start through the entry point's check,
# then count. A process of the same machine started so is counted in the web's answer.
COUNT_ELSEWHERE = """
from notifier.startup import settings_or_exit
settings_or_exit()
from notifier.metrics import recovered
recovered("message", 3)
"""


def test_what_other_processes_count_is_in_the_webs_answer(web: Web) -> None:
    name = "notifier_relay_recovered_total"
    before = scrape(web).get((name, (("kind", "message"),)), 0.0)

    subprocess.run(
        [sys.executable, "-c", COUNT_ELSEWHERE], cwd=PROJECT_ROOT, env=web.env, check=True
    )

    assert scrape(web)[(name, (("kind", "message"),))] == before + 3
