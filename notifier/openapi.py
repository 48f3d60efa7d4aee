"""The OpenAPI 3.1 document, generated from the routes and the models that validate them."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from notifier import openapi_webhooks
from notifier.api.routing import OPERATIONS, Operation

REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"


@cache
def document() -> dict[str, Any]:
    """The whole document (built once per process)."""
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    whole = {
        "openapi": "3.1.0",
        "info": {
            "title": "notifier",
            "version": "1",
            "description": "SMS notifications for waits and delays, with consent you can prove.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    openapi_webhooks.add_to(whole)
    return whole


def _schema(model: Any, schemas: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = TypeAdapter(model).json_schema(
        ref_template=REF,
        mode=mode,
        schema_generator=GenerateJsonSchema,  # type: ignore[arg-type]
    )
    schemas.update(schema.pop("$defs", {}))
    name = getattr(model, "__name__", None)
    if name and "title" in schema and "properties" in schema:
        schemas.setdefault(name, schema)
        return {"$ref": REF.format(model=name)}
    return schema


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()}_{op.path.strip('/').replace('/', '_')}",
        "tags": [op.tag],
        "responses": {},
    }
    params = [seg[1:-1] for seg in op.path.split("/") if seg.startswith("{")]
    result["parameters"] = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
    ] + [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in op.query.items()
    ]
    if op.scope:
        result["security"] = [{"bearer": []}]
        result["description"] = f"Needs an API key with the scope `{op.scope}` (or `admin`)."
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(op.body, schemas, "validation")}},
        }
    for status, (text, model, *media) in sorted(op.responses.items()):
        answer: dict[str, Any] = {"description": text}
        if model is not None:
            default = PROBLEM_JSON if model.__name__ == "Problem" else "application/json"
            schema = {"schema": _schema(model, schemas, "serialization")}
            answer["content"] = {kind: schema for kind in (media[0] if media else (default,))}
        result["responses"][str(status)] = answer
    return result
