"""An inbound email is input from outside like a form: NUL and other control characters in its
subject, sender name and text are removed before it is stored (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Ticket, TicketMessage
from app.services.tickets.email import inbound


def test_control_characters_in_an_email_are_removed_before_it_is_stored(any_app):
    raw = (b"From: =?utf-8?q?Ve=00ra?= <vera@example.com>\r\nTo: help@shop.example\r\n"
           b"Subject: =?utf-8?q?Broken=00_mug=07?=\r\nMessage-ID: <nul-1@mail.example>\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe mug\x00 came\x07 in pieces.\r\n")
    ticket_id = inbound.receive(raw).ticket_id
    ticket = db.session.get(Ticket, ticket_id)
    body = db.session.scalar(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id))
    name = db.session.scalar(select(Customer.name).where(Customer.id == ticket.requester_id))
    assert (ticket.subject, body.strip(), name) == ("Broken mug", "The mug came in pieces.", "Vera")
