"""Opting out and back in by text: the ledger side of STOP and START.

A keyword or short free-text opt-out revokes every purpose at once and stops what is still
waiting to go; START, UNSTOP or YES restore exactly what was held before. Each is confirmed
once, unless Twilio's Advanced Opt-Out has confirmed it already.
"""

from __future__ import annotations

from sqlalchemy import select

from consent.keywords import ReplyKind
from consent.records import PURPOSES, ConsentFact, opted_out, restorable_grants
from notifier.compliance import ledger
from notifier.inbound.respond import (
    OPT_IN_CONFIRMATION,
    Received,
    answer,
    brand,
    locale,
)
from notifier.metrics import OPT_OUTS
from notifier.models import ConsentRecord, Message
from notifier.sending import lifecycle
from notifier.sending.confirmations import OPT_OUT_CONFIRMATION
from notifier.sending.lifecycle import MessageStatus, Priority, Source
from notifier.texts import catalog
from notifier.work import Work


def opt_out(work: Work, got: Received) -> None:
    """Revoke every purpose at once, stop what is waiting, confirm once per opt-out."""
    facts = _locked_facts(work, got)
    already = opted_out(facts)
    method = got.reading.method if got.reading.kind == ReplyKind.OPT_OUT else None
    revocation = ledger.NewRecord(
        phone=got.inbound.phone,
        purposes=PURPOSES,
        action="revoke",
        method=method or "sms_keyword",
        source=f"sms:{got.inbound.message_sid}",
        evidence=evidence(got),
    )
    ledger.append(work.session, work.pseudonymize, revocation, work.now)
    OPT_OUTS.labels(revocation.method).inc()
    _block_waiting(work, got)
    if not already and not got.twilio_answered:
        # A reply that only might mean stop is confirmed with a question: texts resume on START.
        confirm = (
            catalog.opt_out_confirmation_unclear
            if got.reading.unclear
            else catalog.opt_out_confirmation
        )
        body = confirm(locale(got), brand(got))
        answer(work, got, OPT_OUT_CONFIRMATION, body, priority=Priority.URGENT)


def opt_in(work: Work, got: Received) -> bool:
    """Re-grant what the number had before its opt-out and confirm once; False if nothing was."""
    facts = _locked_facts(work, got)
    grants = restorable_grants(facts) if opted_out(facts) else {}
    if not grants:
        return False
    by_record: dict[str, list[str]] = {}
    for purpose, state in grants.items():
        assert state.record_id is not None  # a granted purpose names its record
        by_record.setdefault(state.record_id, []).append(purpose)
    for record_id, purposes in by_record.items():
        granting = work.session.get_one(ConsentRecord, record_id)
        regrant = _regrant(work, got, granting, purposes)
        ledger.append(work.session, work.pseudonymize, regrant, work.now)
    if not got.twilio_answered:
        body = catalog.opt_in_confirmation(locale(got), brand(got))
        answer(work, got, OPT_IN_CONFIRMATION, body, priority=Priority.URGENT)
    return True


def evidence(got: Received) -> dict[str, object]:
    """What the ledger keeps of the text: its words and Twilio's id, never the sender's number."""
    # The ledger is kept after erasure; the number is not, so it stays out of the evidence.
    found: dict[str, object] = {
        "body": got.inbound.body,
        "message_sid": got.inbound.message_sid,
        "to": got.inbound.to,
        # How the reply was read, so that compliance staff can see why it revoked.
        "verdict": str(got.reading.verdict),
        "rule": got.reading.rule,
        "words": list(got.reading.words),
    }
    if got.inbound.opt_out_type:
        found["opt_out_type"] = got.inbound.opt_out_type
    return found


def _regrant(
    work: Work, got: Received, granting: ConsentRecord, purposes: list[str]
) -> ledger.NewRecord:
    """A grant restoring `purposes` on the terms of the record that first granted them."""
    found = evidence(got)
    found["restores"] = granting.id
    if granting.captured_at is not None:
        found["restored_captured_at"] = granting.captured_at.isoformat()
    return ledger.NewRecord(
        phone=got.inbound.phone,
        purposes=tuple(purposes),
        action="grant",
        method="sms_keyword",
        source=f"sms:{got.inbound.message_sid}",
        # The START itself is the consent captured now. The original moment goes into the
        # evidence: as `captured_at` it would predate the opt-out and read as stale consent.
        captured_at=work.now,
        disclosure_text=granting.disclosure_text,
        disclosure_version=granting.disclosure_version,
        disclosure_language=granting.disclosure_language,
        evidence=found,
    )


def _locked_facts(work: Work, got: Received) -> list[ConsentFact]:
    """The number's records, read under its own row lock so two replies cannot interleave."""
    ledger.lock_subject(work.session, got.subject, got.inbound.phone, work.now)
    return ledger.facts_of(work.session, got.subject)


def _block_waiting(work: Work, got: Received) -> None:
    """Stop every text not yet sent, even the answers that need no opt-in (HELP, STATUS).

    The confirmation of an earlier opt-out still goes: it is the one text the law expects.
    """
    waiting = work.session.scalars(
        select(Message)
        .where(
            Message.subject == got.subject,
            Message.status == MessageStatus.PENDING,
            Message.kind != OPT_OUT_CONFIRMATION,
        )
        .with_for_update()
    )
    for message in waiting:
        message.reason = "opted_out"
        lifecycle.transition(
            message, MessageStatus.BLOCKED, work.now, source=Source.REPLY, detail="opted_out"
        )
