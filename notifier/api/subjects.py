"""`/v1/subjects/{phone}`: a data subject's export and erasure (GDPR Arts. 15, 17, 20)."""

from __future__ import annotations

from flask import Blueprint, Response

from notifier.api.routing import caller, json_response, route
from notifier.compliance import subjects
from notifier.compliance.exports import ErasureOut, SubjectExport
from notifier.phones import to_e164
from notifier.schemas import PhoneText, Problem
from notifier.services import current as services

bp = Blueprint("subjects", __name__)
ERRORS = {
    401: ("No valid API key", Problem),
    403: ("The key lacks the scope", Problem),
    422: ("Not a phone number", Problem),
}


@route(
    bp,
    "/v1/subjects/<path:phone>",
    method="GET",
    summary="Everything held about a number",
    scope="admin",
    params={"phone": PhoneText},
    responses={200: ("One JSON document", SubjectExport), **ERRORS},
)
def get_subject(phone: str) -> Response:
    """Export the number's consent, tickets, texts and replies."""
    e164 = to_e164(phone, default_region=None, field="phone")
    return json_response(subjects.export(services().work, e164))


@route(
    bp,
    "/v1/subjects/<path:phone>",
    method="DELETE",
    summary="Erase a number's personal data",
    scope="admin",
    params={"phone": PhoneText},
    responses={200: ("What was erased and what was kept", ErasureOut), **ERRORS},
)
def delete_subject(phone: str) -> Response:
    """Erase the number; keep it suppressed and the ledger verifiable."""
    e164 = to_e164(phone, default_region=None, field="phone")
    return json_response(subjects.erase(services().work, e164, f"key:{caller().name}"))
