"""How a text ends when its sender cannot receive replies: with another way to opt out.

"Reply STOP" is no way out from an alphanumeric sender id, which customers cannot answer; so
every text from one ends with the queue's contact instead (COMPLIANCE.md, MESSAGES.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def elsewhere(templates: Mapping[str, str], contact: str | None) -> Mapping[str, str]:
    """`templates` whose opt-out line names `contact` in place of a reply keyword."""
    if not contact:
        # Cannot happen through the API: a queue with such a sender must name its contact.
        return templates
    # Filled in here, not with the other values, so that fitting never cuts the contact short.
    line = templates["common.opt_out_elsewhere"].format(contact=" ".join(contact.split()))
    return MappingProxyType({**templates, "common.opt_out": line})
