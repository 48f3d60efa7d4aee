"""Prometheus metrics: HTTP traffic of this process, and message counts from the database.

Message counts are read from the database on each scrape, so they are the same whichever
process is asked and include what the workers did.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func, select

from notifier.models import Message
from notifier.sending.lifecycle import MessageStatus
from notifier.services import Services

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
MESSAGES = Gauge("notifier_messages", "Texts decided, by status", ["status"], registry=REGISTRY)


def refresh(svc: Services) -> None:
    """Read the message counts by status from the database."""
    with svc.db.session() as session:
        counts = dict(
            session.execute(
                select(Message.status, func.count(Message.id)).group_by(Message.status)
            ).all()
        )
    for status in MessageStatus:
        MESSAGES.labels(status).set(counts.get(status, 0))


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
