"""Every operation of /openapi.json, fuzzed from the document itself: no 5xx, answers as described.

Schemathesis draws requests from the document, valid ones and broken ones (wrong types, missing
fields, NULs, boundary values), and Hypothesis sends them to the app with an admin key (and
Twilio's signature on the webhooks, so that their forms are read too). Every answer is checked:
never a server error, a status the operation lists, the media type it names, a body its schema
allows. Examples are few and derandomized, so a run is the same every time and stays short.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from twilio.request_validator import RequestValidator

import notifier.app  # noqa: F401  (registers every route)
from notifier.api.routing import OPERATIONS
from notifier.services import Services

EXAMPLES_PER_MODE = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def document(app: Flask, svc: Services) -> Any:
    """The app's own OpenAPI document, as schemathesis reads it."""
    assert svc.settings.twilio_auth_token  # the e2e settings: webhooks can be signed
    config = schemathesis.Config.from_dict({"generation": {"database": "none"}})
    return schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)


@pytest.mark.parametrize(
    ("method", "path"), sorted({(op.method, op.path) for op in OPERATIONS}), ids=str
)
def test_every_operation_answers_as_its_document_says(
    document: Any, svc: Services, admin_key: str, method: str, path: str
) -> None:
    operation = document[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    auth = {"Authorization": f"Bearer {admin_key}"}

    @settings(
        max_examples=2 * EXAMPLES_PER_MODE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def answers_as_described(case: Any) -> None:
        headers = {**auth, **_twilio_signature(case, svc)}
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_described()


def _twilio_signature(case: Any, svc: Services) -> dict[str, str]:
    """Twilio's signature over a webhook's form, when the case sends a form of strings."""
    body = case.body
    if not case.path.startswith("/v1/twilio/") or not isinstance(body, dict):
        return {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in body.items()):
        return {}
    token = svc.settings.twilio_auth_token or ""
    url = svc.settings.public_base_url + case.formatted_path
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, body)}
