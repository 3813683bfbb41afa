"""The widget's "Your requests": a verified shopper's own tickets, their public thread and their
replies, behind app/api/widget_requests.py. Anonymous visitors never reach a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.extensions import db
from app.models import Customer, Ticket
from app.models.ticket import MAX_BODY_CHARS
from app.services.access import sign_in_links, visitors
from app.services.access.visitor_tokens import Visitor, check_id
from app.services.errors import DomainError, NotFoundError
from app.services.tickets import my_requests, updates
from app.services.tickets.attachments import files
from app.services.tickets.attachments.files import Download
from app.services.tickets.my_requests import PublicMessage

HELP_CENTER_LINK = timedelta(minutes=5)  # followed at once by the widget's own click


@dataclass(frozen=True)
class RequestSummary:
    """One line of the widget's list (and the head of an open request)."""

    id: int
    subject: str
    status: str
    status_label: str
    updated_at: object


@dataclass(frozen=True)
class RequestThread:
    request: RequestSummary
    messages: list[PublicMessage]


@dataclass(frozen=True)
class RequestReply:
    """Where a reply went: the request itself, or the follow-up a closed request started."""

    request: RequestSummary
    message_id: int
    follow_up: bool


def _summary(ticket: Ticket) -> RequestSummary:
    return RequestSummary(ticket.id, ticket.subject, ticket.status, my_requests.status_label(ticket.status),
                          ticket.updated_at)


def _own_ticket(visitor: Visitor, ticket_id: int) -> tuple[Customer, Ticket]:
    customer = visitors.verified_customer(visitor)
    if customer is None:
        raise NotFoundError("No such request.")
    return customer, my_requests.my_ticket(customer, ticket_id)


def list_requests(visitor: Visitor) -> list[RequestSummary]:
    """Called by GET /api/v1/widget/requests: the verified customer's tickets, latest activity first."""
    customer = visitors.verified_customer(visitor)
    return [] if customer is None else [_summary(t) for t in my_requests.my_tickets(customer)]


def open_request(visitor: Visitor, ticket_id: int) -> RequestThread:
    """Called by GET /api/v1/widget/requests/<id>: one of the customer's own tickets with its public
    messages and their files (never internal notes). NotFoundError for another customer's ticket,
    as for a missing one."""
    _customer, ticket = _own_ticket(visitor, ticket_id)
    return RequestThread(_summary(ticket), my_requests.public_thread(ticket))


def check_reply(body) -> str:
    """A reply's text: not empty, at most the ticket's limit. DomainError (400) naming `body`
    otherwise, before anything is read or stored."""
    if not isinstance(body, str) or not body.strip():
        raise DomainError("Write a reply before sending.", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise DomainError(f"A reply holds at most {MAX_BODY_CHARS:,} characters.", field="body")
    return body


def reply(visitor: Visitor, ticket_id: int, body, *, client_key) -> RequestReply:
    """Called by POST /api/v1/widget/requests/<id>/replies: the customer answers from the widget
    (channel widget), as in My requests: it reopens the ticket, a closed ticket gets a follow-up,
    and a retry with the same client_key returns the first answer. One commit (in
    ticket_updates), then `request_updated` to the customer's widgets and `ticket_updated` to
    the consoles."""
    check_reply(body)
    check_id(client_key, "client_key", 64)
    customer, ticket = _own_ticket(visitor, ticket_id)
    answered, message = updates.reply_as_customer(ticket.id, body, channel="widget", client_key=client_key,
                                                         by=my_requests.customer_actor(customer))
    return RequestReply(_summary(answered), message.id, follow_up=answered.id != ticket.id)


def download(visitor: Visitor, ticket_id: int, attachment_id: int) -> Download:
    """Called by the widget's attachment route: a file on a public message of the customer's own
    ticket, by the rules of My requests (ticket_attachments.customer_download). NotFoundError
    for anything else."""
    customer, _ticket = _own_ticket(visitor, ticket_id)
    return files.customer_download(customer, ticket_id, attachment_id)


def help_center_link(visitor: Visitor, ticket_id: int | None = None) -> str:
    """Called by POST /api/v1/widget/requests/help-center-link: a one-time sign-in address for
    My requests (on the request, if given), so the widget's verified identity opens the help center
    without an email. Short-lived; one commit."""
    if ticket_id is None:
        customer = visitors.verified_customer(visitor)
        if customer is None:
            raise NotFoundError("No such request.")
        path = sign_in_links.REQUESTS_PATH
    else:
        customer, ticket = _own_ticket(visitor, ticket_id)
        path = f"{sign_in_links.REQUESTS_PATH}/{ticket.id}"
    link = sign_in_links.new_link(customer, path, HELP_CENTER_LINK)
    db.session.commit()
    return link
