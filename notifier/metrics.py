"""Prometheus metrics: what the processes count, declared in one place.

Counters and histograms are counted by every process (web workers, RQ workers, the relay); with
PROMETHEUS_MULTIPROC_DIR set (see `notifier.startup`) each process writes them to that
directory and `/metrics` adds them all up, whichever web worker answers. What is a state
rather than an event (texts by status, RQ queues) is read at scrape time instead: see
`notifier.metrics_scrape`.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram

# Where this process's metrics are kept when it is the only process counting (tests, one-off
# scripts); in multiprocess mode the files in PROMETHEUS_MULTIPROC_DIR are read instead.
REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "notifier_http_requests_total",
    "HTTP requests answered",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "notifier_http_request_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "notifier_send_seconds",
    "Time the SMS provider took to accept a text",
    ["provider"],
    registry=REGISTRY,
)
RELAY_RECOVERED = Counter(
    "notifier_relay_recovered_total",
    "Jobs the relay put back on a queue (Redis lost them, or never had them)",
    ["kind"],
    registry=REGISTRY,
)
OPT_OUTS = Counter(
    "notifier_opt_outs_total",
    "Opt-outs by text, by how they were read (keyword or free text)",
    ["method"],
    registry=REGISTRY,
)


def recovered(kind: str, count: int) -> int:
    """Count jobs the relay put back on a queue; answer `count`."""
    RELAY_RECOVERED.labels(kind).inc(count)
    return count


def instrument(app: Flask) -> None:
    """Count and time every request by its route pattern (not its URL, to keep labels few)."""

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(time.perf_counter() - g.get("started", 0))
        return response
