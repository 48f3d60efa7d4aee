"""Compliance staff's view: the ledger and the message log streamed in batches, the chain checked.

Exports read in keyset order (ledger by `seq`, messages by `created_at, id`), one short
transaction per batch, and yield each batch before reading the next: a five-year export never
sits in memory, and a slow reader never holds a transaction open.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_, select

from consent.ledger import ChainLink, verify_chain
from notifier import ledger
from notifier.exports import VerifyOut, consent_record_out, flat, message_out
from notifier.models import ConsentRecord, LedgerHead, Message, Subject
from notifier.services import Services

BATCH = 500
PROGRESS_EVERY = 1000
Row = dict[str, Any]
_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True)
class Window:
    """Which rows an export covers: [since, until) and, optionally, one number's pseudonym."""

    since: datetime | None = None
    until: datetime | None = None
    subject: str | None = None


CONSENT_COLUMNS = (
    "id seq recorded_at phone subject jurisdiction action purposes method source captured_at"
    " disclosure_text disclosure_version disclosure_language evidence prev_hash hash"
).split()
MESSAGE_COLUMNS = (
    "id created_at queue_id ticket_id recipient subject sender purpose kind locale body segments"
    " encoding priority decision reason rule consent_record_id send_at status provider_sid"
    " error_code sent_at history"
).split()


def consent_rows(svc: Services, window: Window) -> Iterator[list[Row]]:
    """Every ledger record in the window, with its evidence, in ledger order, batch by batch."""
    last = 0
    while True:
        with svc.db.session() as session:
            query = (
                select(ConsentRecord, Subject.phone)
                .outerjoin(Subject, Subject.pseudonym == ConsentRecord.subject)
                .where(ConsentRecord.seq > last)
            )
            query = _within(query, ConsentRecord.recorded_at, ConsentRecord.subject, window)
            found = session.execute(query.order_by(ConsentRecord.seq).limit(BATCH)).all()
            batch = [_consent_row(flat(consent_record_out(row, phone))) for row, phone in found]
        if not batch:
            return
        yield batch
        last = found[-1][0].seq


def message_rows(svc: Services, window: Window) -> Iterator[list[Row]]:
    """Every text decided in the window, with its consent record and history, batch by batch."""
    after: tuple[datetime, str] | None = None
    while True:
        with svc.db.session() as session:
            query = select(Message)
            if after is not None:
                query = query.where(
                    or_(
                        Message.created_at > after[0],
                        and_(Message.created_at == after[0], Message.id > after[1]),
                    )
                )
            query = _within(query, Message.created_at, Message.subject, window)
            found = list(
                session.scalars(query.order_by(Message.created_at, Message.id).limit(BATCH))
            )
            wanted = {m.consent_record_id for m in found if m.consent_record_id}
            relied = {
                r.id: r
                for r in session.scalars(select(ConsentRecord).where(ConsentRecord.id.in_(wanted)))
            }
            batch = [flat(message_out(m, relied.get(m.consent_record_id or ""))) for m in found]
        if not batch:
            return
        yield batch
        after = (found[-1].created_at, found[-1].id)


def _within(query: _Query, at: Any, subject: Any, window: Window) -> _Query:
    if window.since is not None:
        query = query.where(at >= window.since)
    if window.until is not None:
        query = query.where(at < window.until)
    if window.subject is not None:
        query = query.where(subject == window.subject)
    return query


def _consent_row(row: Row) -> Row:
    """A ledger record with its disclosure spread into columns of their own."""
    disclosure = row.pop("disclosure", None) or {}
    for part in ("text", "version", "language"):
        row[f"disclosure_{part}"] = disclosure.get(part)
    return row


def jsonl(batches: Iterable[list[Row]]) -> Iterator[str]:
    """One JSON object per line, a batch per chunk."""
    for batch in batches:
        yield "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in batch)


def csv_text(batches: Iterable[list[Row]], columns: Sequence[str]) -> Iterator[str]:
    """A header, then a line per row; nested values as JSON, a batch per chunk."""
    yield _csv_lines([list(columns)])
    for batch in batches:
        yield _csv_lines([[_cell(row.get(name)) for name in columns] for row in batch])


def _csv_lines(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    return buffer.getvalue()


_NUMBER_LIKE = re.compile(r"^[+-]?[\d .()-]+$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = " ".join(value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    # A customer's text opening with "=" would run as a formula in a spreadsheet; numbers
    # such as "+13055550142" are left as they are.
    if text.startswith(_FORMULA_START) and not _NUMBER_LIKE.match(text):
        return "'" + text
    return text


def verify(svc: Services, progress: Callable[[int], None] | None = None) -> VerifyOut:
    """Recompute the hash chain, and hold its end against the ledger head; `progress` is told
    every so often how many records have been checked."""
    with svc.db.session() as session:
        tail = _Tail(progress)
        report = verify_chain(tail.follow(ledger.chain(session)))
        head = session.get_one(LedgerHead, ledger.HEAD_ID)
        head_seq, head_hash = head.seq, head.hash
    if not report.ok:
        return VerifyOut(
            ok=False,
            records=report.records,
            head=report.head,
            first_bad_record=report.first_bad_record,
            first_bad_seq=report.first_bad_seq,
            problem="this record does not match its hash or its link to the one before",
        )
    if (tail.seq, report.head) != (head_seq, head_hash):
        # Deleting the newest records leaves a chain that holds; the head remembers them.
        return VerifyOut(
            ok=False,
            records=report.records,
            head=report.head,
            first_bad_seq=min(tail.seq, head_seq) + 1,
            problem=f"the chain ends at record {tail.seq} but the ledger head says {head_seq}",
        )
    return VerifyOut(ok=True, records=report.records, head=report.head)


class _Tail:
    """Remembers the last link of a chain as it streams past."""

    def __init__(self, progress: Callable[[int], None] | None = None) -> None:
        self.seq = 0
        self._progress = progress

    def follow(self, links: Iterable[ChainLink]) -> Iterator[ChainLink]:
        """Pass every link on, noting its seq."""
        for count, link in enumerate(links, 1):
            self.seq = link.seq
            if self._progress is not None and count % PROGRESS_EVERY == 0:
                self._progress(count)
            yield link


Batches = Callable[[Services, Window], Iterator[list[Row]]]


def streamed(
    batches: Batches,
    svc: Services,
    window: Window,
    fmt: str,
    columns: Sequence[str],
) -> Iterator[str]:
    """An export's text, chunk by chunk, in the format asked for."""
    rows = batches(svc, window)
    return csv_text(rows, columns) if fmt == "csv" else jsonl(rows)
