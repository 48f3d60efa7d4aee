"""The OpenAPI 3.1 document, generated from the routes and the models that validate them."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from notifier.api import openapi_webhooks
from notifier.api.reading import FORM, JSON
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


def _schema(model: Any, schemas: dict[str, Any], mode: JsonSchemaMode) -> dict[str, Any]:
    schema = TypeAdapter(model).json_schema(
        ref_template=REF,
        mode=mode,
        schema_generator=GenerateJsonSchema,
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
        "parameters": _path_parameters(op, schemas) + _query_parameters(op, schemas),
        "responses": _responses(op, schemas),
    }
    if op.scope:
        result["security"] = [{"bearer": []}]
        result["description"] = f"Needs an API key with the scope `{op.scope}` (or `admin`)."
    body = _request_body(op, schemas)
    if body is not None:
        result["requestBody"] = body
    return result


def _path_parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    names = [seg[1:-1] for seg in op.path.split("/") if seg.startswith("{")]
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _schema(op.params.get(name, str), schemas, "validation"),
        }
        for name in names
    ]


def _query_parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    model = op.query.model_json_schema(ref_template=REF, mode="validation")
    schemas.update(model.pop("$defs", {}))
    required = set(model.get("required", []))
    found = []
    for name, schema in model["properties"].items():
        schema = _without_null(schema)
        description = schema.pop("description", "")
        found.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": description,
                "schema": schema,
            }
        )
    return found


def _request_body(op: Operation, schemas: dict[str, Any]) -> dict[str, Any] | None:
    if op.body is not None:
        schema = _schema(op.body, schemas, "validation")
        return {"required": True, "content": {JSON: {"schema": schema}}}
    if op.form is not None:
        form = op.form.model_json_schema(ref_template=REF, mode="validation", by_alias=True)
        form["properties"] = {k: _without_null(v) for k, v in form["properties"].items()}
        form["additionalProperties"] = {"type": "string"}  # Twilio sends many more fields
        return {"required": True, "content": {FORM: {"schema": form}}}
    return None


def _responses(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status, (text, model, *media) in sorted(op.responses.items()):
        answer: dict[str, Any] = {"description": text}
        if model is not None:
            default = PROBLEM_JSON if model.__name__ == "Problem" else JSON
            schema = {"schema": _schema(model, schemas, "serialization")}
            answer["content"] = {kind: schema for kind in (media[0] if media else (default,))}
        answers[str(status)] = answer
    return answers


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query or form field's schema: a query string or a form cannot say null."""
    options = schema.get("anyOf")
    if not options or {"type": "null"} not in options:
        return schema
    kept = [option for option in options if option != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}
