"""Operators' and newcomers' commands: `retention apply`, and `sms inbound` to try replies."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid

import click
from flask import Flask
from flask.cli import AppGroup
from twilio.request_validator import RequestValidator

from notifier.compliance import retention
from notifier.errors import NotifierError
from notifier.phones import to_e164
from notifier.services import current as services

retention_cli = AppGroup("retention", help="Remove what is past its retention.")
sms_cli = AppGroup("sms", help="Try the service's text messages by hand.")

SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's own test number: what a customer "writes to" when no sender is configured.
TEST_SENDER = "+15005550006"
TIMEOUT_SECONDS = 10


@retention_cli.command("apply")
def apply_retention() -> None:
    """Remove bodies and tickets past RETENTION_DAYS, metadata past LEDGER_RETENTION_YEARS."""
    svc = services()
    removed = retention.apply(svc.db, svc.clock.now(), retention.Keep.of(svc.settings))
    click.echo(f"Retention applied. Removed {removed.summary()}.")


@sms_cli.command("inbound")
@click.argument("phone")
@click.argument("body")
@click.option("--to", "to", default=None, help="The number written to (default: the sender).")
@click.option("--url", default=None, help="Where the service runs (default: PUBLIC_BASE_URL).")
def inbound(phone: str, body: str, to: str | None, url: str | None) -> None:
    """Text BODY from PHONE to the running service, through its signed Twilio webhook."""
    settings = services().settings
    if not settings.twilio_auth_token:
        raise click.ClickException(
            "TWILIO_AUTH_TOKEN is not set: the webhook refuses unsigned texts"
        )
    try:
        sender = to_e164(phone, default_region=None, field="PHONE")
    except NotifierError as error:
        raise click.ClickException(f"{error.detail} (give it with its country code)") from None
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": settings.twilio_account_sid or "AC" + "0" * 32,
        "From": sender,
        "To": to or settings.default_sender or TEST_SENDER,
        "Body": body,
        "NumMedia": "0",
    }
    # Signed for the URL the service checks against, wherever the request is sent.
    signed_for = settings.public_base_url + "/v1/twilio/inbound"
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(signed_for, form)
    target = (url.rstrip("/") + "/v1/twilio/inbound") if url else signed_for
    status = _post(target, form, signature)
    click.echo(f"Posted {body!r} from {sender} to {target}: HTTP {status}.")
    if status != 200:
        raise click.ClickException("the service did not accept the text")
    click.echo("Its answer, if any, is sent by the worker (make run prints it).")


def _post(url: str, form: dict[str, str], signature: str) -> int:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header(SIGNATURE_HEADER, signature)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError) as error:
        raise click.ClickException(
            f"nothing answers at {url} ({error}); is `make run` running?"
        ) from None


def register(app: Flask) -> None:
    """Add the commands to `flask --app wsgi`."""
    app.cli.add_command(retention_cli)
    app.cli.add_command(sms_cli)
