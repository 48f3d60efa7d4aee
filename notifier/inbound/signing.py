"""How a forwarded reply is signed, so that its producer can tell it is ours and fresh.

    X-Notifier-Timestamp: 1795881900
    X-Notifier-Signature: sha256=<hex of HMAC(key, timestamp + "." + body)>

The key is derived from NOTIFIER_SECRET_KEY, so the secret itself is never shared.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Notifier-Signature"
TIMESTAMP_HEADER = "X-Notifier-Timestamp"


def signing_key(secret_key: str) -> bytes:
    """The key that signs forwarded replies: derived, so the secret itself is never shared."""
    return hmac.new(secret_key.encode(), b"notifier reply webhook", hashlib.sha256).digest()


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp`."""
    mac = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
