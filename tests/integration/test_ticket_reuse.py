"""A producer that reuses a ticket's id without closing it first: the old ticket is replaced."""

from __future__ import annotations

from sqlalchemy import select

from notifier.models import Message, Ticket
from notifier.services import Services
from tests.conftest import Api, joined


def test_joining_with_an_open_tickets_id_closes_it_and_cancels_its_texts(
    svc: Services, api: Api
) -> None:
    api.put_queue("desk")
    assert api.event(joined("evt-1", "A7", "+13055550101")).status_code == 202

    again = api.event(joined("evt-2", "A7", "+13055550102"))

    assert again.status_code == 202
    (note,) = again.json()["notifications"]
    assert (note["ticket_id"], note["decision"]) == ("A7", "queued")
    with svc.db.session(write=False) as session:
        tickets = session.scalars(select(Ticket).order_by(Ticket.joined_at, Ticket.version)).all()
        states = sorted((t.phone, t.state, t.close_reason) for t in tickets)
        old = next(t for t in tickets if t.phone == "+13055550101")
        old_texts = session.scalars(select(Message.status).where(Message.ticket_pk == old.id))
        assert sorted(old_texts) == ["cancelled"]
    assert states == [
        ("+13055550101", "closed", "replaced"),
        ("+13055550102", "waiting", None),
    ]
