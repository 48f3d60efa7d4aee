"""`/openapi.json` is enough to integrate: every field described, every event type exemplified,
the Twilio forms and the signed reply forwarding documented."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import requests
from pydantic import TypeAdapter

from notifier.config import PROJECT_ROOT
from notifier.events.schemas import EVENT_TYPES, EventIn
from notifier.services import Services
from tests.conftest import Api, LiveServer, run_worker
from tests.e2e.customer import Customer, put_desk
from tests.e2e.test_replies import Producer, producer  # noqa: F401  (the fixture)
from tests.fakes.twilio import FakeTwilio

EVENTS: TypeAdapter[Any] = TypeAdapter(EventIn)


def document(live: LiveServer) -> dict[str, Any]:
    """The document, as a producer downloads it."""
    answer = requests.get(live.url + "/openapi.json", timeout=10)
    assert answer.status_code == 200
    return dict(answer.json())


def properties(schema: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of a schema and of the objects nested in it, by dotted path."""
    for name, spec in schema.get("properties", {}).items():
        yield f"{path}.{name}", spec
        yield from properties(spec, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from properties(schema[key], path)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        yield from properties(option, path)


def test_every_property_has_a_description(live: LiveServer) -> None:
    schemas = document(live)["components"]["schemas"]

    bare = [
        path
        for name, schema in schemas.items()
        for path, spec in properties(schema, name)
        if not spec.get("description")
    ]

    assert bare == []


def test_every_event_type_has_an_example_that_is_accepted(live: LiveServer) -> None:
    schemas = document(live)["components"]["schemas"]
    by_type = {
        schema["properties"]["type"]["const"]: schema
        for schema in schemas.values()
        if "const" in schema.get("properties", {}).get("type", {})
    }

    assert sorted(by_type) == sorted(EVENT_TYPES)
    for event_type, schema in by_type.items():
        assert schema.get("examples"), f"{event_type} has no example"
        for example in schema["examples"]:
            assert EVENTS.validate_json(json.dumps(example), strict=True).type == event_type


def test_the_twilio_forms_and_their_signature_are_documented(live: LiveServer) -> None:
    doc = document(live)

    for path, field in (("/v1/twilio/inbound", "Body"), ("/v1/twilio/status", "MessageStatus")):
        operation = doc["paths"][path]["post"]
        [form] = operation["requestBody"]["content"]
        ref = operation["requestBody"]["content"][form]["schema"]["$ref"].rsplit("/", 1)[1]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert form == "application/x-www-form-urlencoded"
        assert field in doc["components"]["schemas"][ref]["properties"]
        assert "X-Twilio-Signature" in headers


def test_a_forwarded_reply_is_as_the_document_says(
    api: Api,
    svc: Services,
    live: LiveServer,
    fake_twilio: FakeTwilio,
    producer: Producer,  # noqa: F811
) -> None:
    doc = document(live)
    webhook = doc["webhooks"]["replyForwarded"]["post"]
    put_desk(api, reply_webhook_url=producer.url)
    customer = Customer(api, svc, live, fake_twilio)
    customer.join()

    customer.text("Can I bring my dog?")
    run_worker(svc)

    [(headers, body)] = producer.received
    schema = {**doc["components"]["schemas"]["ReplyForwarded"], "additionalProperties": False}
    jsonschema.validate(json.loads(body), schema)
    documented = {p["name"] for p in webhook["parameters"]}
    assert documented <= set(headers) and len(documented) == 2
    assert "keys reply-webhook" in webhook["description"]


def test_the_readme_shows_one_accepted_example_per_event_type() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Integrate in ten minutes", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```json\n(.*?)```", section, re.DOTALL)

    accepted = [EVENTS.validate_json(block, strict=True).type for block in blocks]

    assert sorted(accepted) == sorted(EVENT_TYPES)
