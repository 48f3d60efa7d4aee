"""One decorator for every route: authenticate, read, validate, and describe in OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, TypeAdapter, ValidationError
from werkzeug.datastructures import MultiDict

from notifier.api.reading import (
    FORM,
    JSON,
    json_document,
    read_body,
    refuse_nul,
    require_media_type,
)
from notifier.compliance.keys import Caller, find_caller
from notifier.db import Database
from notifier.errors import FieldError, ForbiddenError, UnauthenticatedError, ValidationFailedError
from notifier.events.schemas import EVENT_TYPES
from notifier.schemas import Problem
from notifier.services import current as services

EVENT_TAGS = frozenset(EVENT_TYPES)

TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})
M = TypeVar("M", bound=BaseModel)


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
    params: dict[str, Any] = field(default_factory=dict)  # path parameter -> its type
    query: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
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
    responses: dict[int, tuple[Any, ...]],
    body: Any = None,
    params: dict[str, Any] | None = None,
    query: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view that gets its validated input: path `params` by name, `query=`, `body=`.

    A `form` route gets its body checked for media type and size; the view validates the form
    (with `validated_form`) once it has checked who sent it.
    """
    op = Operation(
        method, _openapi_path(rule), summary, scope, body, {}, params or {}, query, form, bp.name
    )
    op.responses.update({**standard_answers(op), **responses})
    read = _reader(op)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if scope is not None:
                g.caller = authenticate(scope)
            return view(**read(kwargs))

        OPERATIONS.append(op)
        bp.add_url_rule(rule, view_func=wrapper, methods=[method])
        return wrapper

    return decorator


def standard_answers(op: Operation) -> dict[int, tuple[Any, ...]]:
    """The answers every route of its kind can give, whatever its view says."""
    answers: dict[int, tuple[Any, ...]] = {}
    if op.scope is not None:
        answers[401] = ("No valid API key", Problem)
        answers[403] = ("The key lacks the scope", Problem)
    if op.params:
        answers[404] = ("No such route: a path parameter holds what a path cannot", Problem)
    if op.params or op.query is not None:
        answers[422] = ("A path or query parameter is invalid", Problem)
    if op.body is not None:
        answers[400] = ("The body is not JSON (UTF-8, no NaN or Infinity, not too deep)", Problem)
    if op.body is not None or op.form is not None:
        answers[413] = ("The body is larger than the service reads", Problem)
        answers[415] = ("The body is not of the media type the route takes", Problem)
        answers[422] = ("The body does not follow the contract", Problem)
    return answers


def _reader(op: Operation) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """What turns a request into a view's arguments, validating each part."""
    params = {name: TypeAdapter(kind) for name, kind in op.params.items()}
    body = TypeAdapter(op.body) if op.body is not None else None

    def read(kwargs: dict[str, Any]) -> dict[str, Any]:
        refuse_nul(kwargs)
        for name, adapter in params.items():
            check_path(name, kwargs[name], adapter)
        if op.query is not None:
            kwargs["query"] = _query(op.query)
        if op.form is not None:
            require_media_type(FORM)
            read_body()
        if body is not None:
            kwargs["body"] = parse_body(body)
        return kwargs

    return read


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
    """The JSON body validated by `adapter`: 415, 413 or 400 if it is not JSON one can read,
    422 if it breaks the contract (against the service's clock: nothing dated ahead of it)."""
    require_media_type(JSON)
    raw = read_body()
    refuse_nul(json_document(raw))
    try:
        return adapter.validate_json(raw, strict=True, context={"now": services().clock.now()})
    except ValidationError as error:
        raise validation_failed(error) from None


def validated_form(model: type[M], form: MultiDict[str, str]) -> M:
    """A form (its first value of each field) validated by `model`; 422 naming what is wrong."""
    data = form.to_dict()
    refuse_nul(data)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_failed(error) from None


def _query(model: type[M]) -> M:
    data = request.args.to_dict()
    refuse_nul(data)
    try:
        return model.model_validate(data)
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
