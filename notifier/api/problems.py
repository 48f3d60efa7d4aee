"""Every error the API answers is `application/problem+json`; this is the one place that says so."""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from notifier.errors import PROBLEM_BASE, RequestError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, title: str, detail: str, type_: str, errors: list[dict[str, str]]
) -> Response:
    """A problem+json response."""
    body = {"type": type_, "title": title, "status": status, "detail": detail, "errors": errors}
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def from_error(error: RequestError) -> Response:
    """The problem+json answer for one of our own errors."""
    response = problem(
        error.status,
        error.title,
        error.detail,
        error.type,
        [{"field": e.field, "message": e.message} for e in error.errors],
    )
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="notifier"'
    return response


def register(app: Flask) -> None:
    """Map our errors, Werkzeug's HTTP errors and anything unexpected to problem+json."""

    @app.errorhandler(RequestError)
    def _ours(error: RequestError) -> Response:
        return from_error(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        slug = (error.name or "error").lower().replace(" ", "-")
        response = problem(
            status, error.name, error.description or error.name, PROBLEM_BASE + slug, []
        )
        allow = dict(error.get_headers()).get("Allow")
        if allow:  # a 405 says which methods the path does take
            response.headers["Allow"] = allow
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return problem(
            500,
            "Internal error",
            "the service failed; the error is logged",
            PROBLEM_BASE + "internal",
            [],
        )
