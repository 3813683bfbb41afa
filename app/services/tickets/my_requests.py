"""What a signed-in customer sees of their tickets in "My requests" (and the widget): their own
tickets only, public messages only, and their replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Agent, Customer, Ticket, TicketAttachment, TicketMessage
from app.services.access import customer_reads
from app.services.access.visitor_tokens import check_id
from app.services.errors import NotFoundError
from app.services.platform.audit import Actor
from app.services.tickets import intake, updates
from app.services.tickets.attachments import files as ticket_attachments
from app.services.tickets.attachments.store import Upload

# Statuses in the customer's words.
CUSTOMER_STATUS = {"new": "Open", "open": "Open", "pending": "Awaiting your reply", "on_hold": "Open",
                   "solved": "Solved", "closed": "Closed"}
PAGE = 50


@dataclass(frozen=True)
class PublicMessage:
    id: int
    from_customer: bool
    author_name: str
    body: str
    created_at: datetime
    attachments: tuple[TicketAttachment, ...] = ()


def status_label(status: str) -> str:
    return CUSTOMER_STATUS[status]


def _merged_in(customer: Customer):
    """The tickets this customer's requests were merged into (other customers' too, when an agent
    confirmed such a merge: the customer reads and answers there what they asked)."""
    return select(Ticket.merged_into_id).where(Ticket.requester_id == customer.id, Ticket.merged_into_id.is_not(None))


def my_tickets(customer: Customer, limit: int = PAGE) -> list[Ticket]:
    """The customer's tickets, latest activity first: a merged one as the ticket it went into; a
    follow-up nobody has written to them on yet is not listed."""
    mine = or_(Ticket.requester_id == customer.id, Ticket.id.in_(_merged_in(customer)))
    return list(db.session.scalars(select(Ticket).where(mine, Ticket.merged_into_id.is_(None),
                                                      customer_reads.has_public_message(Ticket.id))
                                   .order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)))


def my_ticket(customer: Customer, ticket_id: int) -> Ticket:
    """The customer's own ticket, or for one merged into another that one (the caller sends the
    customer there); NotFoundError (404) for anyone else's, as for one that does not exist, and
    for a follow-up nobody has written to them on yet."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFoundError("No such request.")
    if ticket.requester_id == customer.id and (
            ticket.merged_into_id is not None or customer_reads.customer_can_read(ticket.id)):
        return intake.live_ticket(ticket.id)
    if ticket.merged_into_id is None and db.session.scalar(
            select(Ticket.id).where(Ticket.merged_into_id == ticket.id, Ticket.requester_id == customer.id).limit(1)):
        return ticket
    raise NotFoundError("No such request.")


def public_thread(ticket: Ticket) -> list[PublicMessage]:
    """The messages the customer may read: everything but internal notes, oldest first, with their
    files. Agents appear by display name (their email never)."""
    files = ticket_attachments.by_message(ticket.id, public_only=True)
    rows = db.session.execute(select(TicketMessage, Agent.display_name)
                              .outerjoin(Agent, Agent.id == TicketMessage.author_agent_id)
                              .where(TicketMessage.ticket_id == ticket.id, TicketMessage.internal.is_(False))
                              .order_by(TicketMessage.id))
    return [PublicMessage(m.id, m.author_type == "customer", "You" if m.author_type == "customer"
                          else (name or "Support team"), m.body, m.created_at, tuple(files.get(m.id, ())))
            for m, name in rows]


def customer_actor(customer: Customer) -> Actor:
    """The customer as the audit trail names them (My requests, the widget)."""
    return Actor("customer", customer.id, customer.email or f"customer {customer.id}")


def reply(customer: Customer, ticket_id: int, body: str, *, client_key: str | None, channel: str = "web",
          uploads: Sequence[Upload] = ()) -> Ticket:
    """Called by My requests' reply form: the customer answers in their request, with files (one
    refused file refuses the answer: AttachmentError). Idempotent on client_key. Returns the
    ticket the answer went to: a closed request starts a follow-up."""
    ticket = my_ticket(customer, ticket_id)
    if client_key is not None:
        check_id(client_key, "client_key", 64)
    result, _message = updates.reply_as_customer(
        ticket.id, body, channel=channel, client_key=client_key, uploads=uploads,
        by=customer_actor(customer))
    return result
