"""Twilio's webhooks: customers' replies and delivery status callbacks, signed by Twilio.

Neither carries an API key: each request is authenticated by `X-Twilio-Signature`, computed
over `PUBLIC_BASE_URL` + path (so it holds behind a proxy) and the form, with the auth token.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from notifier.api.routing import route
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


def _required(form: MultiDict[str, str], *names: str) -> str:
    for name in names:
        if form.get(name):
            return form[name]
    raise invalid(names[0], "is required")


@route(
    bp,
    "/v1/twilio/inbound",
    method="POST",
    summary="A customer's text (Twilio webhook, form-encoded)",
    scope=None,
    responses={
        200: ("TwiML: an empty <Response/>; answers go out as texts", None),
        FORBIDDEN[0]: FORBIDDEN[1],
    },
)
def inbound() -> Response:
    """Read a customer's text and act on it; the answers are sent as messages of their own."""
    form = signed_form()
    sid = _required(form, "MessageSid", "SmsSid")
    sender = _required(form, "From")
    try:
        phone = to_e164(sender, default_region=None, field="From")
    except ValidationFailedError:
        # Not a phone number we could ever text (a short code, another channel): nothing to do.
        log.warning("inbound %s from %s is not from a phone number; ignored", sid, mask(sender))
        return _twiml()
    text = Inbound(
        message_sid=sid,
        phone=phone,
        to=form.get("To", ""),
        body=form.get("Body", ""),
        opt_out_type=form.get("OptOutType") or None,
    )
    receive.receive(services().work, text)
    return _twiml()


@route(
    bp,
    "/v1/twilio/status",
    method="POST",
    summary="A delivery status callback (Twilio webhook, form-encoded)",
    scope=None,
    responses={204: ("Recorded; one for a text not known yet is kept for it", None), FORBIDDEN[0]: FORBIDDEN[1]},
)
def status() -> Response:
    """Record a delivery status; a message's status only ever moves forward."""
    form = signed_form()
    callback = callbacks.StatusCallback(
        message_sid=_required(form, "MessageSid", "SmsSid"),
        status=_required(form, "MessageStatus", "SmsStatus").strip().lower(),
        error_code=callbacks.parse_error_code(form.get("ErrorCode")),
    )
    if not callbacks.record_callback(services().work, callback):
        log.info("status callback for %s kept until its text is known", callback.message_sid)
    return Response(status=204)


def _twiml() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")
