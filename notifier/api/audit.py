"""`/v1/audit/...`: the ledger and the message log for compliance staff; the chain check."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from flask import Blueprint, Response, request
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from notifier import audit, staff
from notifier.api.routing import json_response, route, services, validation_failed
from notifier.errors import invalid
from notifier.exports import MessageOut, VerifyOut
from notifier.phones import to_e164
from notifier.schemas import ConsentRecordOut, Problem

bp = Blueprint("audit", __name__)
AUTH_ERRORS = {401: ("No valid API key", Problem), 403: ("The key lacks the scope", Problem)}
ERRORS = {**AUTH_ERRORS, 422: ("A query parameter is invalid", Problem)}
QUERY = {
    "since": "Only what happened at or after this time (RFC 3339 with an offset)",
    "until": "Only what happened before this time (RFC 3339 with an offset)",
    "phone": "Only what concerns this number (any common format with its country prefix)",
    "format": "jsonl (default): one JSON object per line; csv: a header and a line per row",
}
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
STREAMED = tuple(MEDIA_TYPES.values())
# In a query string an unencoded "+" arrives as a space: "11:05:00 02:00", " 13055550142".
_SPACED_OFFSET = re.compile(r"^(.*\d) (\d{2}(?::?\d{2})?)$")


def _plus_restored(value: object) -> object:
    if isinstance(value, str):
        spaced = _SPACED_OFFSET.match(value)
        if spaced:
            return f"{spaced.group(1)}+{spaced.group(2)}"
    return value


class AuditQuery(BaseModel):
    """The filters of an export."""

    model_config = ConfigDict(extra="forbid")

    since: Annotated[AwareDatetime, BeforeValidator(_plus_restored)] | None = None
    until: Annotated[AwareDatetime, BeforeValidator(_plus_restored)] | None = None
    phone: Annotated[str, Field(min_length=3, max_length=40)] | None = None
    format: Literal["jsonl", "csv"] = "jsonl"


def _window() -> tuple[audit.Window, str]:
    """The export's window and format from the query string; 422 naming a bad parameter."""
    try:
        query = AuditQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise validation_failed(error) from None
    if query.since and query.until and query.since >= query.until:
        raise invalid("until", "must be after since")
    subject = None
    if query.phone is not None:
        raw = query.phone.strip()
        raw = raw if query.phone[:1] != " " else "+" + raw
        subject = services().pseudonymize(to_e164(raw, default_region=None, field="phone"))
    return audit.Window(query.since, query.until, subject), query.format


def _export(name: str, batches: audit.Batches, columns: list[str]) -> Response:
    window, fmt = _window()
    svc = services()
    response = Response(
        audit.streamed(batches, svc, window, fmt, columns), mimetype=MEDIA_TYPES[fmt]
    )
    stamp = svc.clock.now().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@route(
    bp,
    "/v1/audit/consents",
    method="GET",
    summary="Every consent ledger record, with its evidence (streamed)",
    scope="audit:read",
    query=QUERY,
    responses={
        200: ("JSON lines or CSV, one ledger record each", ConsentRecordOut, STREAMED),
        **ERRORS,
    },
)
def consents() -> Response:
    """Stream the ledger in order, filtered by time and number."""
    return _export("consents", audit.consent_rows, audit.CONSENT_COLUMNS)


@route(
    bp,
    "/v1/audit/messages",
    method="GET",
    summary="Every text decided, with its consent record and delivery history (streamed)",
    scope="audit:read",
    query=QUERY,
    responses={200: ("JSON lines or CSV, one text each", MessageOut, STREAMED), **ERRORS},
)
def messages() -> Response:
    """Stream the message log in order, filtered by time and number."""
    return _export("messages", audit.message_rows, audit.MESSAGE_COLUMNS)


@route(
    bp,
    "/v1/audit/verify",
    method="GET",
    summary="Check the consent ledger's hash chain",
    scope="audit:read",
    responses={
        200: ("Whether the chain holds, and its first bad record", VerifyOut),
        **AUTH_ERRORS,
    },
)
def verify() -> Response:
    """Recompute the chain and name the first record that no longer matches."""
    return json_response(audit.verify(services()))


@route(
    bp,
    "/v1/audit/access",
    method="GET",
    summary="The staff-access log: who looked at, downloaded or erased what (streamed)",
    scope="audit:read",
    query=QUERY,
    responses={
        200: ("JSON lines or CSV, one entry each", staff.AccessEntryOut, STREAMED),
        **ERRORS,
    },
)
def access() -> Response:
    """Stream the staff-access log in order, filtered by time (and number, by its pseudonym)."""
    return _export("access", staff.access_rows, list(staff.ACCESS_COLUMNS))
