"""`make run`'s phone: text the local service as a customer would, through Twilio's signed
webhook, so the walk-through can reply STOP without a Twilio account.

    .venv/bin/python -m notifier.devphone +13055550142 STOP

`make run` sets a development `TWILIO_AUTH_TOKEN` derived from the development secret key when
no Twilio credentials are set; this signs with the same one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import uuid

import requests
from twilio.request_validator import RequestValidator

from notifier.config import load_settings

SENDER = "+15005550006"


def webhook_token(secret_key: str) -> str:
    """The development webhook token that `make run` gives the service."""
    return hmac.new(secret_key.encode(), b"notifier-dev-webhooks", hashlib.sha256).hexdigest()


def main(argv: list[str]) -> int:
    """Send one text from a phone to the service running on `PORT` (8000)."""
    if len(argv) != 2:
        print("usage: python -m notifier.devphone PHONE TEXT", file=sys.stderr)  # noqa: T201
        return 2
    phone, body = argv
    settings = load_settings()
    token = settings.twilio_auth_token or webhook_token(settings.secret_key)
    path = "/v1/twilio/inbound"
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": phone, "To": SENDER, "Body": body}
    signature = RequestValidator(token).compute_signature(settings.public_base_url + path, form)
    port = os.environ.get("PORT", "8000")
    answer = requests.post(
        f"http://127.0.0.1:{port}{path}",
        data=form,
        headers={"X-Twilio-Signature": signature},
        timeout=10,
    )
    print(answer.status_code, answer.text)  # noqa: T201
    return 0 if answer.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
