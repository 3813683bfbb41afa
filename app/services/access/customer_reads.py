"""What a customer may read of a ticket: one with a message written for them. A follow-up the
helpdesk opened for agents (its first message an internal note) stays out of "My requests", the
widget and surveys until an agent writes to the customer."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import TicketMessage


def has_public_message(ticket_id):
    """EXISTS a message for the customer's eyes on the ticket (an id, or Ticket.id in a query): a
    follow-up the helpdesk opened for agents (its first message an internal note) has none until
    an agent writes to them."""
    return select(TicketMessage.id).where(TicketMessage.ticket_id == ticket_id,
                                          TicketMessage.internal.is_(False)).exists()


def customer_can_read(ticket_id: int) -> bool:
    return bool(db.session.scalar(select(has_public_message(ticket_id))))
