"""`/v1/audit/...`: the ledger and the message log for compliance staff; its proofs and checks."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from flask import Blueprint, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from notifier.api.routing import json_response, route
from notifier.compliance import audit, ledger_check, proofs, staff
from notifier.compliance.exports import MessageOut
from notifier.constrained import Instant
from notifier.errors import invalid
from notifier.phones import to_e164
from notifier.schemas import ConsentRecordOut, Identifier, PhoneText, Problem
from notifier.services import current as services

bp = Blueprint("audit", __name__)
AUTH_ERRORS = {401: ("No valid API key", Problem), 403: ("The key lacks the scope", Problem)}
ERRORS = {**AUTH_ERRORS, 422: ("A query parameter is invalid", Problem)}
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

    since: Annotated[Instant, BeforeValidator(_plus_restored)] | None = Field(
        None, description="Only what happened at or after this time (RFC 3339 with an offset)"
    )
    until: Annotated[Instant, BeforeValidator(_plus_restored)] | None = Field(
        None, description="Only what happened before this time (RFC 3339 with an offset)"
    )
    phone: PhoneText | None = Field(
        None, description="Only what concerns this number (any common format with its prefix)"
    )
    format: Literal["jsonl", "csv"] = Field(
        "jsonl", description="jsonl: one JSON object per line; csv: a header and a line per row"
    )


def _window(query: AuditQuery) -> tuple[audit.Window, str]:
    """The export's window and format; 422 naming a bad parameter."""
    if query.since and query.until and query.since >= query.until:
        raise invalid("until", "must be after since")
    subject = None
    if query.phone is not None:
        raw = query.phone.strip()
        raw = raw if query.phone[:1] != " " else "+" + raw
        subject = services().pseudonymize(to_e164(raw, default_region=None, field="phone"))
    return audit.Window(query.since, query.until, subject), query.format


def _export(name: str, batches: audit.Batches, columns: list[str], query: AuditQuery) -> Response:
    window, fmt = _window(query)
    svc = services()
    response = Response(
        audit.streamed(batches, svc.db, window, fmt, columns), mimetype=MEDIA_TYPES[fmt]
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
    query=AuditQuery,
    responses={
        200: ("JSON lines or CSV, one ledger record each", ConsentRecordOut, STREAMED),
        **ERRORS,
    },
)
def consents(query: AuditQuery) -> Response:
    """Stream the ledger in order, filtered by time and number."""
    return _export("consents", audit.consent_rows, audit.CONSENT_COLUMNS, query)


@route(
    bp,
    "/v1/audit/messages",
    method="GET",
    summary="Every text decided, with its consent record and delivery history (streamed)",
    scope="audit:read",
    query=AuditQuery,
    responses={200: ("JSON lines or CSV, one text each", MessageOut, STREAMED), **ERRORS},
)
def messages(query: AuditQuery) -> Response:
    """Stream the message log in order, filtered by time and number."""
    return _export("messages", audit.message_rows, audit.MESSAGE_COLUMNS, query)


@route(
    bp,
    "/v1/audit/verify",
    method="GET",
    summary="Check the consent ledger against its Merkle tree and its signed checkpoints",
    scope="audit:read",
    responses={
        200: (
            "Whether the ledger holds; if not, what was found and the first bad record",
            ledger_check.VerifyOut,
        ),
        **AUTH_ERRORS,
    },
)
def verify() -> Response:
    """Recompute the tree from the records and hold it against every checkpoint."""
    return json_response(ledger_check.verify(services().notary))


TREE_ERRORS = {
    **AUTH_ERRORS,
    404: ("No such record or checkpoint", Problem),
    500: ("The stored tree is damaged (see /v1/audit/verify)", Problem),
}


@route(
    bp,
    "/v1/audit/proof/<record_id>",
    method="GET",
    summary="A ledger record's inclusion proof against the newest signed checkpoint",
    params={"record_id": Identifier},
    scope="audit:read",
    responses={
        200: (
            "The record's leaf, its RFC 9162 audit path and the checkpoint",
            proofs.InclusionProofOut,
        ),
        409: ("The record is not in the tree yet, or was changed after it was logged", Problem),
        **TREE_ERRORS,
    },
)
def proof(record_id: str) -> Response:
    """Prove that the record is in the tree the newest checkpoint signs."""
    return json_response(proofs.inclusion(services().notary, record_id))


@route(
    bp,
    "/v1/audit/consistency",
    method="GET",
    summary="Proof that one signed checkpoint's tree is the beginning of a later one's",
    scope="audit:read",
    query=proofs.ConsistencyQuery,
    responses={
        200: ("Both checkpoints and the RFC 9162 consistency proof", proofs.ConsistencyProofOut),
        422: ("A query parameter is invalid", Problem),
        **TREE_ERRORS,
    },
)
def consistency(query: proofs.ConsistencyQuery) -> Response:
    """Prove that the ledger only grew between two checkpoints."""
    return json_response(proofs.consistency(services().notary, query))


@route(
    bp,
    "/v1/audit/access",
    method="GET",
    summary="The staff-access log: who looked at, downloaded or erased what (streamed)",
    scope="audit:read",
    query=AuditQuery,
    responses={
        200: ("JSON lines or CSV, one entry each", staff.AccessEntryOut, STREAMED),
        **ERRORS,
    },
)
def access(query: AuditQuery) -> Response:
    """Stream the staff-access log in order, filtered by time (and number, by its pseudonym)."""
    return _export("access", staff.access_rows, list(staff.ACCESS_COLUMNS), query)
