"""Tickets: the one service every entry point (help center, widget, chat, console, API) goes
through to create a ticket, reply in it and change it, so audit and status rules apply alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Agent, Customer, Ticket, TicketGroup, TicketMessage, TicketTag
from app.models.base import utcnow
from app.models.ticket import (
    MAX_BODY_CHARS,
    MAX_SUBJECT_CHARS,
    TICKET_CHANNELS,
    TICKET_PRIORITIES,
    TICKET_TYPES,
)
from app.services.access import sign_in_links
from app.services.access.visitor_tokens import check_id
from app.services.customers import emails
from app.services.errors import DomainError, NotFoundError, TooLongError
from app.services.platform import realtime
from app.services.platform.audit import Actor
from app.services.platform.locked_rows import get_row
from app.services.tickets import routing
from app.services.tickets.attachments import files as ticket_attachments
from app.services.tickets.attachments.store import Upload
from app.services.tickets.history import record
from app.services.tickets.tagging import normalise_tags

NOT_FOUND = "No such ticket."
# Requests the customer made themselves get a "we received your request" email with a link.
ACKNOWLEDGED_CHANNELS = ("help_center", "widget", "email")


@dataclass(frozen=True)
class Requester:
    """Who a ticket is for: a known profile, a shop customer id, or an email (found or made)."""

    customer_id: int | None = None
    external_id: str | None = None
    email: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class TicketRequest:
    subject: str
    body: str
    channel: str
    requester: Requester
    priority: str = "normal"
    type: str = "question"
    tags: tuple[str, ...] = ()
    group_id: int | None = None
    client_key: str | None = None  # the client's id for this submission: a retry finds the ticket
    # A ticket the helpdesk opens for agents (a follow-up): its first message is a system note, and
    # the customer sees the ticket only once an agent has written to them on it.
    for_agents: bool = False


# --- checks -----------------------------------------------------------------------------------


def check_text(value, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"Enter a {name}.", field=name)
    if len(value) > limit:
        raise TooLongError(f"The {name} holds at most {limit:,} characters.", field=name)
    return value.strip()


def check_choice(value: str, choices: tuple[str, ...], name: str) -> str:
    if value not in choices:
        raise DomainError(f"{name.capitalize()} must be one of {', '.join(choices)}.", field=name)
    return value


def check_group(group_id: int | None) -> int | None:
    if group_id is not None and db.session.get(TicketGroup, group_id) is None:
        raise DomainError("Choose an existing group.", field="group_id")
    return group_id


def check_agent(agent_id: int | None) -> int | None:
    if agent_id is not None:
        agent = db.session.get(Agent, agent_id)
        if agent is None or not agent.active:
            raise DomainError("Choose an active agent.", field="assignee_id")
    return agent_id


# --- requester -------------------------------------------------------------------------------


def _requester(requester: Requester) -> Customer:
    """The requester's profile: by id, by the shop's id, or by email (the profile the address
    belongs to, a new one when none: customers/emails.py)."""
    if requester.customer_id is not None:
        customer = db.session.get(Customer, requester.customer_id)
    elif requester.external_id is not None:
        check_id(requester.external_id, "customer_id")
        customer = db.session.scalar(select(Customer).where(Customer.external_id == requester.external_id))
    elif requester.email:  # the address's own profile, never one that only claimed it
        return emails.profile_for_address(requester.email, requester.name)
    else:
        raise DomainError("Say who the ticket is for: a customer id or an email.", field="requester")
    if customer is None or customer.erased_at is not None:
        raise NotFoundError("No such customer.")
    return customer


# --- create ----------------------------------------------------------------------------------


def _check_request(request: TicketRequest) -> tuple[str, str]:
    subject = check_text(request.subject, "subject", MAX_SUBJECT_CHARS)
    body = check_text(request.body, "body", MAX_BODY_CHARS)
    check_choice(request.channel, TICKET_CHANNELS, "channel")
    check_choice(request.priority, TICKET_PRIORITIES, "priority")
    check_choice(request.type, TICKET_TYPES, "type")
    if request.client_key is not None:
        check_id(request.client_key, "client_key", 64)
    check_group(request.group_id)
    return subject, body


def find_by_client_key(channel: str, client_key: str | None) -> Ticket | None:
    """The ticket a submission with this client key made, if any."""
    if client_key is None:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.channel == channel, Ticket.client_key == client_key))


def build_ticket(request: TicketRequest, *, by: Actor, author_agent_id: int | None = None,
                 assignee_id: int | None = None, conversation_id: int | None = None,
                 attachments: ticket_attachments.Batch | None = None) -> Ticket:
    """A new ticket with its first message (and the stored files on it), tags, in the caller's
    transaction (flushes only): create_ticket commits it; a chat's conversion adds the transcript first."""
    subject, body = _check_request(request)
    tags = normalise_tags(request.tags)
    requester = _requester(request.requester)
    now = utcnow()
    ticket = Ticket(subject=subject, status="new" if assignee_id is None else "open", priority=request.priority,
                    type=request.type, channel=request.channel, requester_id=requester.id,
                    group_id=request.group_id, assignee_id=check_agent(assignee_id),
                    conversation_id=conversation_id, client_key=request.client_key, version=1,
                    created_at=now, updated_at=now)
    db.session.add(ticket)
    db.session.flush()
    db.session.add_all(TicketTag(ticket_id=ticket.id, tag=tag) for tag in tags)
    author = "system" if request.for_agents else "agent" if author_agent_id else "customer"
    first = TicketMessage(ticket_id=ticket.id, author_type=author, author_agent_id=author_agent_id, body=body,
                          internal=request.for_agents,
                          channel=message_channel(request.channel), created_at=now)
    db.session.add(first)
    if attachments is not None and (attachments.files or attachments.refused):
        db.session.flush()
        ticket_attachments.attach(attachments, first)
    record(ticket, by, "created", new=request.channel)
    routing.route_ticket(ticket, body, requester, tags, keep=_chosen(request, assignee_id))
    if request.channel in ACKNOWLEDGED_CHANNELS:
        sign_in_links.acknowledge(ticket, requester)
    return ticket


def _chosen(request: TicketRequest, assignee_id: int | None) -> frozenset[str]:
    """What the ticket's creator chose themselves: routing leaves those fields alone."""
    chosen = {"group_id"} if request.group_id is not None else set()
    if request.priority != "normal":
        chosen.add("priority")
    if assignee_id is not None:
        chosen.add("assignee_id")
    return frozenset(chosen)


def commit_new(ticket: Ticket, request: TicketRequest) -> Ticket:
    """Commit a built ticket, then `ticket_created`; the one a concurrent retry with the same
    client_key committed first, if that happened."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return find_by_client_key(request.channel, request.client_key)
    realtime.ticket_changed(ticket_payload(ticket), created=True)
    realtime.request_updated(ticket.requester_id, ticket.id, "created")  # a follow-up, one made for them
    return ticket


def create_ticket(request: TicketRequest, *, by: Actor, author_agent_id: int | None = None,
                  uploads: Sequence[Upload] = (), partial: bool = False) -> Ticket:
    """Called by every entry point: a new ticket with its first message, in status new. A request
    by an agent on the customer's behalf is written by that agent (author_agent_id), else by the
    customer. Files (the help center's form, an email) go on the first message: one refused file
    refuses the request (AttachmentError), except with partial=True (email), where the refused ones
    become a note. Idempotent on (channel, client_key). One commit, then `ticket_created`."""
    existing = find_by_client_key(request.channel, request.client_key)
    if existing is not None:
        return existing
    with ticket_attachments.stored(uploads, partial=partial) as batch:
        ticket = build_ticket(request, by=by, author_agent_id=author_agent_id, attachments=batch)
        return commit_new(ticket, request)


def message_channel(ticket_channel: str) -> str:
    return {"help_center": "web", "widget": "widget", "chat": "chat", "agent": "web", "api": "api",
            "email": "email"}[ticket_channel]


def ticket_payload(ticket: Ticket) -> dict:
    """The wire form of a ticket for consoles' live lists."""
    return {"id": ticket.id, "status": ticket.status, "priority": ticket.priority, "assignee_id": ticket.assignee_id,
            "group_id": ticket.group_id, "version": ticket.version, "updated_at": ticket.updated_at.isoformat()}


def get_ticket(ticket_id: int, *, lock: bool = False) -> Ticket:
    """The ticket (locked for update with lock=True); NotFoundError when there is none."""
    return get_row(Ticket, ticket_id, NOT_FOUND, lock=lock)


def live_ticket(ticket_id: int, *, lock: bool = False) -> Ticket:
    """The ticket, or the one it was merged into (one step: merged_into_id always names a ticket
    that is not merged itself). Called where customers reach a ticket: their replies, My requests."""
    ticket = get_ticket(ticket_id, lock=lock)
    if ticket.merged_into_id is not None:
        return get_ticket(ticket.merged_into_id, lock=lock)
    return ticket
