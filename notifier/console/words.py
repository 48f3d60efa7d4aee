"""Plain words for what the records say: why a text was allowed, blocked, deferred or skipped,
how consent was given or taken back, and numbers masked until revealed. Marked for Babel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from notifier.compliance.dashboard import Latency
from notifier.compliance.story import TextEntry
from notifier.console.i18n import format_datetime
from notifier.console.i18n import gettext as _
from notifier.schemas import ConsentRecordOut

MASK = "•••• "
SHORT = "d MMM HH:mm"
LONG = "d MMM yyyy HH:mm:ss"


def masked(phone: str | None) -> str:
    """A number with only its last four digits showing: `•••• 0142`."""
    if not phone:
        return _("(erased)")
    return MASK + phone[-4:]


def when(at: datetime | None, pattern: str = SHORT) -> str:
    """A moment in the viewer's time zone."""
    return format_datetime(at, pattern) if at is not None else "–"


def method_words(method: str) -> str:
    """How a record was made, as a phrase ("at a kiosk", "by text")."""
    phrases = {
        "kiosk": _("at a kiosk"),
        "web_form": _("on a web form"),
        "paper": _("on paper"),
        "verbal": _("verbally"),
        "api": _("through the API"),
        "sms_keyword": _("by text"),
        "sms_free_text": _("by text, in their own words"),
        "carrier": _("by the carrier (Twilio error 21610)"),
        "erasure": _("by erasure of the number's data (GDPR Art. 17)"),
    }
    return phrases.get(method, method)


def how(record: ConsentRecordOut) -> str:
    """How a record came about, quoting the customer's text when a text made it."""
    body = record.evidence.get("body") if record.method.startswith("sms_") else None
    if body is not None:
        return _("by text '%(body)s'", body=str(body).strip())
    return method_words(record.method)


def record_words(record: ConsentRecordOut) -> str:
    """What one ledger record did, in a sentence."""
    purposes = ", ".join(purpose_words(p) for p in record.purposes)
    if record.action == "grant":
        return _("Granted %(purposes)s %(how)s", purposes=purposes, how=how(record))
    return _("Revoked %(purposes)s %(how)s", purposes=purposes, how=how(record))


def purpose_words(purpose: str) -> str:
    """A purpose's name for people."""
    names = {
        "queue_updates": _("queue updates"),
        "peak_alerts": _("peak-hour warnings"),
        "service": _("answers"),
    }
    return names.get(purpose, purpose)


SKIPPED = {
    "insignificant_change": _l("the change was too small to be worth a text"),
    "ticket_called": _l("the ticket had been called already"),
    "ticket_closed": _l("the ticket was closed"),
    "out_of_order": _l("the event was older than what the ticket already knew"),
    "quiet_hours_until_peak": _l("quiet hours last until the peak begins"),
    "overtaken": _l("a newer text about the ticket took its place"),
    "superseded": _l("a newer delay notice took its place"),
    "erased": _l("the number's data was erased"),
    "opted_out": _l("the number opted out"),
}


# What a decision rule that needs no details says.
DECIDED_BY = {
    "consent.none": _l("blocked: no consent on record for this purpose"),
    "gdpr.art7_documentation": _l(
        "blocked: the consent lacks the disclosure text or the time it was captured,"
        " which GDPR Art. 7(1) requires"
    ),
    "tcpa.written_consent": _l(
        "blocked: peak-hour warnings need written consent, with the disclosure text and"
        " when it was captured"
    ),
    "unreachable": _l("blocked: the carrier said the number cannot be texted"),
    "config.sender": _l("blocked: no sender is configured"),
    "reply.customer_initiated": _l("allowed: an answer to the customer's own text"),
}


def explain(entry: TextEntry) -> str:
    """Why a text was decided as it was, and what stopped it later, in plain words."""
    text = entry.message
    words = _decision(text.decision, text.rule, text.reason, entry.relied_on, text.send_at)
    if entry.stopped_by is not None:
        record = entry.stopped_by
        words += "; " + _(
            "then blocked: opted out %(how)s on %(when)s",
            how=how(record),
            when=when(record.recorded_at),
        )
    elif text.status in ("dropped", "cancelled") and text.history:
        detail = text.history[-1].detail or ""
        reason = str(SKIPPED[detail]) if detail in SKIPPED else detail
        words += "; " + _("then %(status)s: %(reason)s", status=text.status, reason=reason)
    return words


def _decision(
    decision: str,
    rule: str,
    reason: str | None,
    record: ConsentRecordOut | None,
    send_at: datetime | None,
) -> str:
    if rule == "consent.granted" and record is not None:
        return _(
            "allowed: consent given %(how)s on %(when)s (record %(seq)s)",
            how=how(record),
            when=when(record.recorded_at),
            seq=record.seq,
        )
    if rule == "consent.revoked" and record is not None:
        return _(
            "blocked: opted out %(how)s on %(when)s", how=how(record), when=when(record.recorded_at)
        )
    if rule.startswith("quiet_hours"):
        return _(
            "scheduled for %(when)s: quiet hours at the number's local time (%(rule)s)",
            when=when(send_at),
            rule=rule.removeprefix("quiet_hours."),
        )
    if rule.startswith("usefulness."):
        found = SKIPPED.get(reason or "")
        return _("skipped: %(why)s", why=str(found) if found else reason)
    if rule in DECIDED_BY:
        return str(DECIDED_BY[rule])
    if rule.startswith("cap.peak_alerts."):
        return _(
            "blocked: at most 3 peak-hour warnings a day in %(where)s",
            where=rule.removeprefix("cap.peak_alerts."),
        )
    return f"{decision}: {reason or rule}"


def latency(value: Latency | None) -> str:
    """A time from decision to sending, as the bound of its bucket."""
    if value is None:
        return "–"
    seconds = value.seconds
    amount = (
        _("%(n)s h", n=seconds // 3600)
        if seconds >= 3600
        else _("%(n)s min", n=seconds // 60)
        if seconds >= 60
        else _("%(n)s s", n=seconds)
    )
    return _("over %(t)s", t=amount) if value.over else _("within %(t)s", t=amount)


ERROR_CODES = {
    "none": _l("no error code given"),
    "21211": _l("21211 invalid number"),
    "21610": _l("21610 the number opted out at the carrier"),
    "21614": _l("21614 not a mobile number"),
    "30003": _l("30003 unreachable handset"),
    "30004": _l("30004 blocked by the recipient"),
    "30005": _l("30005 unknown or inactive number"),
    "30006": _l("30006 landline or unreachable carrier"),
    "30007": _l("30007 filtered by the carrier"),
    "30008": _l("30008 unknown error"),
}


def error_words(code: str) -> str:
    """A Twilio error code and what it means."""
    return str(ERROR_CODES[code]) if code in ERROR_CODES else code


def percent(value: float | None) -> str:
    """A share as a percentage, or a dash when there is nothing to divide."""
    return "–" if value is None else f"{value * 100:.1f} %"


def install(app: Flask) -> None:
    """Make the words available to the console's templates."""
    filters: dict[str, Any] = {
        "masked": masked,
        "when": when,
        "method_words": method_words,
        "how": how,
        "error_words": error_words,
        "record_words": record_words,
        "purpose_words": purpose_words,
        "explain": explain,
        "latency": latency,
        "percent": percent,
    }
    app.jinja_env.filters.update(filters)
