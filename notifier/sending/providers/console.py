"""The console provider: prints each text instead of sending it (development)."""

from __future__ import annotations

import sys
import threading
import uuid
from datetime import datetime
from typing import TextIO

from notifier.phones import mask
from notifier.sending.providers import OutgoingText, Receipt


class ConsoleProvider:
    """Prints texts to a stream and remembers them."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.sent: list[tuple[str, OutgoingText]] = []

    def send(self, text: OutgoingText) -> Receipt:
        """Print the text; answer as a provider that accepted it."""
        sid = "CO" + uuid.uuid4().hex
        stream = self._stream or sys.stdout
        with self._lock:
            self.sent.append((sid, text))
            stream.write(f"SMS {sid} to {mask(text.to)} from {text.sender}:\n{text.body}\n\n")
            stream.flush()
        return Receipt(sid, "sent")

    def find_sent(self, to: str, body: str, since: datetime) -> Receipt | None:
        """A text printed by this process with that recipient and body."""
        with self._lock:
            for sid, text in self.sent:
                if text.to == to and text.body == body:
                    return Receipt(sid, "sent")
        return None
