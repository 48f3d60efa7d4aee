"""Opting out and back in by text: the ledger side of STOP and START.

A keyword or short free-text opt-out revokes every purpose at once and stops what is still
waiting to go; START, UNSTOP or YES restore exactly what was held before. Each is confirmed
once, unless Twilio's Advanced Opt-Out has confirmed it already.
"""

from __future__ import annotations

from sqlalchemy import select

from consent.keywords import ReplyKind
from consent.records import PURPOSES, ConsentFact, opted_out, restorable_grants
from notifier import ledger, texts
from notifier.answers import OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION, Turn, answer, brand, locale
from notifier.metrics import OPT_OUTS
from notifier.models import ConsentRecord, LedgerHead, Message
from notifier.outbox import set_status


def opt_out(turn: Turn) -> None:
    """Revoke every purpose at once, stop what is waiting, confirm once per opt-out."""
    facts = _locked_facts(turn)
    already = opted_out(facts)
    method = turn.reply.method if turn.reply.kind == ReplyKind.OPT_OUT else None
    revocation = ledger.NewRecord(
        phone=turn.inbound.phone,
        purposes=PURPOSES,
        action="revoke",
        method=method or "sms_keyword",
        source=f"sms:{turn.inbound.message_sid}",
        evidence=evidence(turn),
    )
    ledger.append(turn.session, turn.svc.pseudonymize, revocation, turn.now)
    OPT_OUTS.labels(revocation.method).inc()
    _block_waiting(turn)
    if not already and not turn.twilio_answered:
        body = texts.opt_out_confirmation(locale(turn), brand(turn))
        answer(turn, OPT_OUT_CONFIRMATION, body, priority="urgent")


def opt_in(turn: Turn) -> bool:
    """Re-grant what the number had before its opt-out and confirm once; False if nothing was."""
    facts = _locked_facts(turn)
    grants = restorable_grants(facts) if opted_out(facts) else {}
    if not grants:
        return False
    by_record: dict[str, list[str]] = {}
    for purpose, state in grants.items():
        assert state.record_id is not None  # a granted purpose names its record
        by_record.setdefault(state.record_id, []).append(purpose)
    for record_id, purposes in by_record.items():
        granting = turn.session.get_one(ConsentRecord, record_id)
        regrant = _regrant(turn, granting, purposes)
        ledger.append(turn.session, turn.svc.pseudonymize, regrant, turn.now)
    if not turn.twilio_answered:
        body = texts.opt_in_confirmation(locale(turn), brand(turn))
        answer(turn, OPT_IN_CONFIRMATION, body, priority="urgent")
    return True


def evidence(turn: Turn) -> dict[str, object]:
    """What the ledger keeps of the text: its words and Twilio's id, never the sender's number."""
    # The ledger is kept after erasure; the number is not, so it stays out of the evidence.
    found: dict[str, object] = {
        "body": turn.inbound.body,
        "message_sid": turn.inbound.message_sid,
        "to": turn.inbound.to,
    }
    if turn.inbound.opt_out_type:
        found["opt_out_type"] = turn.inbound.opt_out_type
    return found


def _regrant(turn: Turn, granting: ConsentRecord, purposes: list[str]) -> ledger.NewRecord:
    """A grant restoring `purposes` on the terms of the record that first granted them."""
    found = evidence(turn)
    found["restores"] = granting.id
    if granting.captured_at is not None:
        found["restored_captured_at"] = granting.captured_at.isoformat()
    return ledger.NewRecord(
        phone=turn.inbound.phone,
        purposes=tuple(purposes),
        action="grant",
        method="sms_keyword",
        source=f"sms:{turn.inbound.message_sid}",
        # The START itself is the consent captured now. The original moment goes into the
        # evidence: as `captured_at` it would predate the opt-out and read as stale consent.
        captured_at=turn.now,
        disclosure_text=granting.disclosure_text,
        disclosure_version=granting.disclosure_version,
        disclosure_language=granting.disclosure_language,
        evidence=found,
    )


def _locked_facts(turn: Turn) -> list[ConsentFact]:
    """The number's records, read under the ledger's lock so two replies cannot interleave."""
    turn.session.execute(
        select(LedgerHead.id).where(LedgerHead.id == ledger.HEAD_ID).with_for_update()
    )
    return ledger.facts_of(turn.session, turn.subject)


def _block_waiting(turn: Turn) -> None:
    """Stop every text not yet sent, even the answers that need no opt-in (HELP, STATUS).

    The confirmation of an earlier opt-out still goes: it is the one text the law expects.
    """
    waiting = turn.session.scalars(
        select(Message)
        .where(
            Message.subject == turn.subject,
            Message.status == "pending",
            Message.kind != OPT_OUT_CONFIRMATION,
        )
        .with_for_update()
    )
    for message in waiting:
        message.reason = "opted_out"
        set_status(message, "blocked", turn.now, source="reply", detail="opted_out")
