"""Reading a request before any model sees it: its media type, its size, and what JSON it holds.

Every route reads its input here, so each guard holds for all of them at once:
- a body of another media type than the route takes is a 415;
- a body of `MAX_CONTENT_LENGTH` bytes or more, announced or chunked, is a 413;
- a JSON body that is not UTF-8, not well formed, holds NaN or Infinity (not JSON, and not
  storable as JSON) or nests deeper than the parser's limit (200) is a 400;
- a NUL in any string or key, of a body, a form, a query or a path, is a 422 naming where:
  PostgreSQL refuses NULs in text, so one let in would fail its transaction or its job.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask import request
from pydantic_core import from_json
from werkzeug.exceptions import RequestEntityTooLarge

from notifier.errors import (
    FieldError,
    MalformedRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
NUL = "\x00"


def require_media_type(expected: str) -> None:
    """415 unless the request's Content-Type is `expected` (or, for JSON, any `+json` type)."""
    given = request.mimetype
    if given == expected or (
        expected == JSON and given.startswith("application/") and given.endswith("+json")
    ):
        return
    raise UnsupportedMediaTypeError(f"send the body as {expected}, not {given or 'no media type'}")


def read_body() -> bytes:
    """The whole body, kept for the form parser too; 413 at `MAX_CONTENT_LENGTH` bytes or more."""
    limit = request.max_content_length
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raw = None
    # A chunked body is cut at the limit rather than refused: one that reaches it is refused.
    if raw is None or (limit is not None and len(raw) >= limit):
        raise PayloadTooLargeError(f"the body is larger than the {limit} bytes taken")
    return raw


def json_document(raw: bytes) -> Any:
    """The JSON value of a body; 400 if it is not strict, UTF-8 JSON of a sane depth."""
    try:
        return from_json(raw, allow_inf_nan=False)
    except ValueError as error:
        raise MalformedRequestError(f"the body is not JSON: {error}") from None


def refuse_nul(value: Any, where: str = "") -> None:
    """422 naming every string (or key) of `value` that holds a NUL."""
    found = list(_nul_fields(value, where))
    if found:
        message = "must not contain a NUL character"
        fields = [FieldError(name, message) for name in found]
        detail = "; ".join(f"{f.field}: {f.message}" for f in fields[:5])
        raise ValidationFailedError(detail, fields)


def _nul_fields(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield name.replace(NUL, "\\0")
            else:
                yield from _nul_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_fields(item, f"{path}.{index}" if path else str(index))
