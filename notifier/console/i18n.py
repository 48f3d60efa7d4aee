"""Flask-Babel's functions that the console's code calls, with the types the library lacks.

Flask-Babel ships no type information, so to mypy its answers are `Any`; they are strings,
and each is said so once, here. Call sites keep the names Babel's extraction looks for (`_`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import flask_babel


def gettext(string: str, **variables: Any) -> str:
    """`string` in the viewer's language, with `variables` put in its `%(name)s` places."""
    return cast(str, flask_babel.gettext(string, **variables))


def format_datetime(at: datetime, pattern: str) -> str:
    """A moment in the viewer's time zone, written after a CLDR `pattern`."""
    return cast(str, flask_babel.format_datetime(at, pattern))
