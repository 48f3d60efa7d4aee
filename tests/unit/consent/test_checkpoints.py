import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from consent.checkpoints import is_signed_by, key_id, note, sign

KEY = b"k" * 32
AT = datetime(2026, 11, 28, 18, 5, 1, tzinfo=timezone(timedelta(hours=2)))
ROOT = "ab" * 32


def test_the_signed_note_names_the_log_size_root_and_utc_time() -> None:
    text = f"notifier consent ledger\n3\n{ROOT}\n2026-11-28T16:05:01Z\n"

    assert note(3, ROOT, AT) == text.encode()


def test_a_checkpoint_is_hmac_sha256_of_its_note_under_the_key() -> None:
    checkpoint = sign(KEY, 3, ROOT, AT)

    expected = hmac.new(KEY, note(3, ROOT, AT), hashlib.sha256).hexdigest()
    assert (checkpoint.signature, checkpoint.key_id) == (expected, key_id(KEY))
    assert is_signed_by(KEY, checkpoint)
    assert checkpoint.signed_at.astimezone(UTC) == AT


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 4},
        {"root": "cd" * 32},
        {"signed_at": AT + timedelta(seconds=1)},
        {"signature": "00" * 32},
    ],
)
def test_changing_anything_in_a_checkpoint_breaks_its_signature(change: dict[str, object]) -> None:
    checkpoint = sign(KEY, 3, ROOT, AT)

    assert not is_signed_by(KEY, replace(checkpoint, **change))  # type: ignore[arg-type]


def test_another_key_did_not_sign_it() -> None:
    assert not is_signed_by(b"another key", sign(KEY, 3, ROOT, AT))
    assert key_id(b"another key") != key_id(KEY)
