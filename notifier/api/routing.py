"""One decorator for every JSON route: authenticate, parse, validate, and describe in OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from notifier.compliance.keys import Caller, find_caller
from notifier.db import Database
from notifier.errors import (
    FieldError,
    ForbiddenError,
    MalformedRequestError,
    UnauthenticatedError,
    ValidationFailedError,
)
from notifier.events.schemas import EVENT_TYPES
from notifier.services import current as services

EVENT_TAGS = frozenset(EVENT_TYPES)

TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})


@dataclass(frozen=True)
class Operation:
    """One route as the OpenAPI document describes it."""

    method: str
    path: str
    summary: str
    scope: str | None
    body: Any
    # status -> (description, model[, media types]); JSON unless the media types say otherwise
    responses: dict[int, tuple[Any, ...]]
    query: dict[str, str] = field(default_factory=dict)
    tag: str = ""


OPERATIONS: list[Operation] = []


def caller() -> Caller:
    """Who made this request (set by `route` for authenticated routes)."""
    return g.caller  # type: ignore[no-any-return]


def route(
    bp: Blueprint,
    rule: str,
    *,
    method: str,
    summary: str,
    scope: str | None,
    body: Any = None,
    responses: dict[int, tuple[Any, ...]],
    query: dict[str, str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view; with `body`, the view gets the validated model as `body=`."""
    adapter = TypeAdapter(body) if body is not None else None

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if scope is not None:
                g.caller = authenticate(scope)
            if adapter is not None:
                kwargs["body"] = parse_body(adapter)
            return view(**kwargs)

        OPERATIONS.append(
            Operation(
                method, _openapi_path(rule), summary, scope, body, responses, query or {}, bp.name
            )
        )
        bp.add_url_rule(rule, view_func=wrapper, methods=[method])
        return wrapper

    return decorator


def authenticate(scope: str) -> Caller:
    """The caller behind the bearer key; 401 without a valid key, 403 without the scope."""
    header = request.headers.get("Authorization", "")
    kind, _, key = header.partition(" ")
    if kind.lower() != "bearer" or not key.strip():
        raise UnauthenticatedError("send Authorization: Bearer <api key>")
    svc = services()
    found = svc.keys.caller(key.strip(), lambda digest: _load_caller(svc.db, digest))
    if found is None:
        raise UnauthenticatedError("the API key is unknown or revoked")
    if not found.may(scope):
        raise ForbiddenError(f"the API key lacks the scope {scope}")
    return found


def _load_caller(db: Database, digest: str) -> Caller | None:
    with db.session(write=False) as session:
        return find_caller(session, digest)


def parse_body(adapter: TypeAdapter[Any]) -> Any:
    """The request body validated by `adapter`: 400 if not JSON at all, 422 if it breaks rules."""
    raw = request.get_data(cache=True)
    try:
        json.loads(raw)
    except ValueError:
        raise MalformedRequestError("the body is not JSON") from None
    try:
        return adapter.validate_json(raw, strict=True)
    except ValidationError as error:
        raise validation_failed(error) from None


def check_path(name: str, value: str, adapter: TypeAdapter[Any]) -> None:
    """Validate a path parameter; a 422 names it."""
    try:
        adapter.validate_python(value)
    except ValidationError as error:
        raise validation_failed(error, prefix=name) from None


def validation_failed(error: ValidationError, prefix: str = "") -> ValidationFailedError:
    """A 422 listing every invalid field by its dotted path."""
    fields = [FieldError(_field(e, prefix), _message(e)) for e in error.errors()]
    detail = "; ".join(f"{f.field}: {f.message}" for f in fields[:5])
    return ValidationFailedError(detail, fields)


def json_response(model: BaseModel, status: int = 200) -> Response:
    """A model as a JSON response."""
    return Response(model.model_dump_json(), status=status, mimetype="application/json")


def _field(error: Any, prefix: str) -> str:
    parts = [prefix] if prefix else []
    loc = [str(p) for p in error["loc"]]
    # A discriminated union puts the matched tag first ("ticket.joined"); callers don't see it.
    if loc and loc[0] in EVENT_TAGS:
        loc = loc[1:]
    parts += loc
    if error["type"] in TAG_ERRORS:
        parts.append("type")
    return ".".join(parts) or "body"


def _message(error: Any) -> str:
    if error["type"] == "union_tag_invalid":
        return f"unknown event type; use one of {', '.join(sorted(EVENT_TAGS))}"
    if error["type"] == "union_tag_not_found":
        return "Field required"
    return str(error["msg"]).removeprefix("Value error, ")


def _openapi_path(rule: str) -> str:
    return rule.replace("<", "{").replace(">", "}").replace("path:", "")
