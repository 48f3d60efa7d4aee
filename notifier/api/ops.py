"""Operations: liveness, readiness, metrics, and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from notifier import metrics_scrape
from notifier.api.openapi import document
from notifier.api.routing import json_response, route
from notifier.schemas import Health
from notifier.services import current as services

bp = Blueprint("ops", __name__)


@route(
    bp,
    "/healthz",
    method="GET",
    summary="Alive",
    scope=None,
    responses={200: ("The process answers", Health)},
)
def healthz() -> Response:
    """The process is up."""
    return json_response(Health(status="ok"))


@route(
    bp,
    "/readyz",
    method="GET",
    summary="Ready: database and Redis reachable; the enqueue breaker's state",
    scope=None,
    responses={200: ("Ready", Health), 503: ("A dependency does not answer", Health)},
)
def readyz() -> Response:
    """The database and Redis both answer (Redis within the web client's short timeout); the
    enqueue breaker's state is reported beside them (open: new texts wait for the relay)."""
    svc = services()
    checks = {"database": "ok", "redis": "ok"}
    try:
        with svc.db.session() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        checks["database"] = type(error).__name__
    try:
        svc.redis.ping()
    except RedisError as error:
        checks["redis"] = type(error).__name__
    ready = all(v == "ok" for v in checks.values())
    checks["enqueue_breaker"] = svc.dispatcher.breaker.current_state
    return json_response(
        Health(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503
    )


@route(
    bp,
    "/metrics",
    method="GET",
    summary="Prometheus metrics",
    scope=None,
    responses={200: ("Prometheus text format", None)},
)
def prometheus() -> Response:
    """Counters and gauges in the Prometheus text format."""
    return Response(metrics_scrape.exposition(services()), mimetype=CONTENT_TYPE_LATEST)


@route(
    bp,
    "/openapi.json",
    method="GET",
    summary="This document",
    scope=None,
    responses={200: ("OpenAPI 3.1", None)},
)
def openapi() -> Response:
    """The OpenAPI 3.1 document of every route."""
    return jsonify(document())
