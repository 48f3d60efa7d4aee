"""Twilio's webhooks: customers' replies and delivery status callbacks, signed by Twilio.

Neither carries an API key: each request is authenticated by `X-Twilio-Signature`, computed
over `PUBLIC_BASE_URL` + path (so it holds behind a proxy) and the form, with the auth token.
"""

from __future__ import annotations

import logging
from typing import Annotated

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from notifier.api.routing import route, validated_form
from notifier.errors import ForbiddenError, ValidationFailedError, invalid
from notifier.inbound import receive
from notifier.inbound.respond import Inbound
from notifier.phones import mask, to_e164
from notifier.schemas import Problem
from notifier.sending import callbacks
from notifier.services import current as services

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
# Replies go out as messages of their own (notifier.inbound.receive): the answer says nothing.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Twilio's ids: two letters and 32 hex digits ("SM..." for a text); statuses are short words.
Sid = Annotated[str, Field(pattern=r"^[A-Z]{2}[0-9a-fA-F]{32}$")]
Status = Annotated[str, Field(min_length=1, max_length=32)]
MAX_BODY = 1600  # the longest text Twilio takes or delivers
FORBIDDEN = (403, ("Missing or wrong X-Twilio-Signature, or no TWILIO_AUTH_TOKEN set", Problem))


def signed_form() -> MultiDict[str, str]:
    """The request's form, once its Twilio signature is proven; 403 otherwise."""
    settings = services().settings
    if not settings.twilio_auth_token:
        raise ForbiddenError("Twilio webhooks are refused: TWILIO_AUTH_TOKEN is not set")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = settings.public_base_url + request.full_path.removesuffix("?")
    validator = RequestValidator(settings.twilio_auth_token)
    if not signature or not validator.validate(url, request.form, signature):
        raise ForbiddenError(f"the {SIGNATURE_HEADER} header does not match this request")
    return request.form


class TwilioForm(BaseModel):
    """The fields of a Twilio webhook the service reads, bounded; Twilio's others are ignored."""

    model_config = ConfigDict(extra="ignore")

    message_sid: Sid | None = Field(None, alias="MessageSid")
    sms_sid: Sid | None = Field(None, alias="SmsSid")

    @property
    def sid(self) -> str:
        """Twilio's id of the message; 422 if the form has none."""
        sid = self.message_sid or self.sms_sid
        if not sid:
            raise invalid("MessageSid", "is required")
        return sid


class InboundForm(TwilioForm):
    """A customer's text, as Twilio posts it."""

    sender: Annotated[str, Field(min_length=1, max_length=64)] = Field(alias="From")
    to: Annotated[str, Field(max_length=40)] = Field("", alias="To")
    body: Annotated[str, Field(max_length=MAX_BODY)] = Field("", alias="Body")
    opt_out_type: Annotated[str, Field(max_length=32)] | None = Field(None, alias="OptOutType")


class StatusForm(TwilioForm):
    """A delivery status callback, as Twilio posts it."""

    message_status: Status | None = Field(None, alias="MessageStatus")
    sms_status: Status | None = Field(None, alias="SmsStatus")
    error_code: Annotated[str, Field(max_length=16)] | None = Field(None, alias="ErrorCode")

    @property
    def status(self) -> str:
        """The status reported, in lower case; 422 if the form has none."""
        status = self.message_status or self.sms_status
        if not status or not status.strip():
            raise invalid("MessageStatus", "is required")
        return status.strip().lower()


@route(
    bp,
    "/v1/twilio/inbound",
    method="POST",
    summary="A customer's text (Twilio webhook, form-encoded)",
    scope=None,
    form=InboundForm,
    responses={
        200: ("TwiML: an empty <Response/>; answers go out as texts", None),
        FORBIDDEN[0]: FORBIDDEN[1],
    },
)
def inbound() -> Response:
    """Read a customer's text and act on it; the answers are sent as messages of their own."""
    form = validated_form(InboundForm, signed_form())
    sid = form.sid
    try:
        phone = to_e164(form.sender, default_region=None, field="From")
    except ValidationFailedError:
        # Not a phone number we could ever text (a short code, another channel): nothing to do.
        log.warning(
            "inbound %s from %s is not from a phone number; ignored", sid, mask(form.sender)
        )
        return _twiml()
    text = Inbound(
        message_sid=sid,
        phone=phone,
        to=form.to,
        body=form.body,
        opt_out_type=form.opt_out_type or None,
    )
    receive.receive(services().work, text)
    return _twiml()


@route(
    bp,
    "/v1/twilio/status",
    method="POST",
    summary="A delivery status callback (Twilio webhook, form-encoded)",
    scope=None,
    form=StatusForm,
    responses={
        204: ("Recorded; one for a text not known yet is kept for it", None),
        FORBIDDEN[0]: FORBIDDEN[1],
    },
)
def status() -> Response:
    """Record a delivery status; a message's status only ever moves forward."""
    form = validated_form(StatusForm, signed_form())
    callback = callbacks.StatusCallback(
        message_sid=form.sid,
        status=form.status,
        error_code=callbacks.parse_error_code(form.error_code),
    )
    if not callbacks.record_callback(services().work, callback):
        log.info("status callback for %s kept until its text is known", callback.message_sid)
    return Response(status=204)


def _twiml() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")
