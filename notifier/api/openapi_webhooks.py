"""What `/openapi.json` says of the requests that are not JSON from a producer: Twilio's signed
form posts to this service, and the signed reply forwarding from this service to a producer.

The forms are read field by field by `notifier.api.twilio` (Twilio sends more fields than these;
the rest are ignored); the forwarded reply is what `workers.forward` posts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from notifier.inbound.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER

TWILIO_SIGNATURE = "X-Twilio-Signature"
FORM = "application/x-www-form-urlencoded"


class TwilioInboundForm(BaseModel):
    """A customer's text, as Twilio posts it to `/v1/twilio/inbound`."""

    model_config = ConfigDict(title="TwilioInboundForm")

    MessageSid: str = Field(
        description="Twilio's id of the text (SmsSid in older requests): a retry is handled once",
        examples=["SM3f2a9c0d1e8b4a7f9e6d5c4b3a291807"],
    )
    AccountSid: str = Field(description="Your Twilio account", examples=["AC" + "0" * 32])
    From: str = Field(description="The customer's number, E.164", examples=["+13055550142"])
    To: str = Field(description="The number the customer wrote to", examples=["+15005550006"])
    Body: str = Field(description="What the customer wrote", examples=["STOP"])
    OptOutType: str | None = Field(
        default=None,
        description="Set when Twilio's Advanced Opt-Out answered the text itself (STOP, START,"
        " HELP): the service then records it but sends no answer of its own",
        examples=["STOP"],
    )


class TwilioStatusForm(BaseModel):
    """A delivery status callback, as Twilio posts it to `/v1/twilio/status`."""

    model_config = ConfigDict(title="TwilioStatusForm")

    MessageSid: str = Field(
        description="Twilio's id of the text, as the send answered it",
        examples=["SM3f2a9c0d1e8b4a7f9e6d5c4b3a291807"],
    )
    MessageStatus: str = Field(
        description="queued, sent, delivered, undelivered or failed (SmsStatus in older requests);"
        " statuses only move forward, whatever order they arrive in",
        examples=["delivered"],
    )
    ErrorCode: str | None = Field(
        default=None,
        description="Twilio's error code when undelivered or failed; 21610 records an opt-out",
        examples=["30003"],
    )


class ReplyForwarded(BaseModel):
    """A customer's text the service does not answer itself, posted to the queue's
    `reply_webhook_url` as JSON; retried with growing delays while the producer fails. It names
    the customer by their ticket, which the producer knows: the phone number is not sent."""

    model_config = ConfigDict(title="ReplyForwarded")

    id: str = Field(description="The service's id of the text", examples=["in_5b1e..."])
    queue_id: str = Field(
        description="The queue of the customer's latest ticket", examples=["desk"]
    )
    ticket_id: str = Field(description="That ticket's number", examples=["A17"])
    body: str = Field(description="What the customer wrote", examples=["Can I bring my dog?"])
    received_at: str = Field(description="When it arrived (RFC 3339)")


def _header(name: str, text: str, example: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": True, "description": text,
            "schema": {"type": "string"}, "example": example}  # fmt: skip


def _form_body(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schemas[model.__name__] = model.model_json_schema()
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"required": True, "content": {FORM: {"schema": ref}}}


def add_to(document: dict[str, Any]) -> None:
    """Describe the Twilio forms on their paths, and the reply forwarding as a webhook."""
    schemas = document["components"]["schemas"]
    signed = _header(
        TWILIO_SIGNATURE,
        "Twilio's signature of PUBLIC_BASE_URL + path and the form, with the auth token;"
        " a missing or wrong one is answered 403",
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
    )
    for path, model in (
        ("/v1/twilio/inbound", TwilioInboundForm),
        ("/v1/twilio/status", TwilioStatusForm),
    ):
        operation = document["paths"][path]["post"]
        operation["requestBody"] = _form_body(model, schemas)
        operation["parameters"] = [*operation.get("parameters", []), signed]
    schemas["ReplyForwarded"] = ReplyForwarded.model_json_schema(by_alias=True)
    document["webhooks"] = {"replyForwarded": _reply_forwarded()}


def _reply_forwarded() -> dict[str, Any]:
    return {
        "post": {
            "summary": "A customer's text, forwarded to the queue's reply_webhook_url",
            "description": (
                f"Signed with HMAC-SHA256 under the key `flask --app wsgi keys reply-webhook`"
                f" prints (hex): `{SIGNATURE_HEADER}` is `sha256=` and the hex digest of"
                f" `{TIMESTAMP_HEADER}` + `.` + the raw body. Reject a signature that does not"
                " match, or a timestamp more than a few minutes old. Answer 2xx to take it;"
                " 408, 429 and 5xx are retried later, any other status is final."
            ),
            "parameters": [
                _header(SIGNATURE_HEADER, "sha256=<hex HMAC of timestamp.body>", "sha256=9f2c..."),
                _header(TIMESTAMP_HEADER, "Unix time the request was signed", "1795881900"),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ReplyForwarded"}}
                },
            },
            "responses": {"204": {"description": "Taken (any 2xx will do)"}},
        }
    }
