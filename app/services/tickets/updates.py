"""Working a ticket: an agent's changes (optimistic locking, audit per field), replies and notes
from agents and customers with the status rules, and a chat turned into a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from app.extensions import db
from app.models import Agent, Conversation, Message, Ticket, TicketEvent, TicketGroup, TicketMessage, TicketTag
from app.models.base import utcnow
from app.models.ticket import MAX_BODY_CHARS, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.feedback import surveys
from app.services.platform import realtime
from app.services.platform.audit import Actor
from app.services.tickets import intake, tagging
from app.services.tickets.attachments import files as ticket_attachments
from app.services.tickets.attachments.store import Upload
from app.services.tickets.email import outgoing
from app.services.tickets.history import record
from app.services.tickets.intake import (
    Requester,
    TicketRequest,
    check_agent,
    check_choice,
    check_group,
    check_text,
)

# What an agent's reply may set the status to ("submit as"); closed is final: a customer's reply
# to a closed ticket makes a follow-up ticket instead.
REPLY_STATUSES = ("open", "pending", "on_hold", "solved")
EDITABLE = ("status", "priority", "type", "assignee_id", "group_id", "tags")


@dataclass(frozen=True)
class Conflict:
    """A change another agent made since the version a form was loaded at."""

    field: str
    old_value: str | None
    new_value: str | None
    actor_label: str | None


class TicketConflictError(ConflictError):
    """The ticket changed since the form was loaded; `changes` says how. Nothing was saved."""

    def __init__(self, changes: list[Conflict], current_version: int) -> None:
        super().__init__("Someone else changed this ticket while you were editing it. Their changes are "
                         "listed; yours are still in the form: save again to apply them on top.")
        self.changes = changes
        self.current_version = current_version


def conflicts_since(ticket: Ticket, since_version: int) -> list[Conflict]:
    """The audit entries made after since_version: what changed since a form was loaded."""
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                          TicketEvent.version > since_version)
                                .order_by(TicketEvent.id))
    return [Conflict(e.field, e.old_value, e.new_value, e.actor_label) for e in events]


def _labels(field_name: str, value):
    """How a field's value reads in the audit trail: agents and groups by name, tags joined."""
    if value is None:
        return None
    if field_name == "assignee_id":
        return db.session.scalar(select(Agent.display_name).where(Agent.id == value)) or f"agent {value}"
    if field_name == "group_id":
        return db.session.scalar(select(TicketGroup.name).where(TicketGroup.id == value)) or f"group {value}"
    if field_name == "tags":
        return ", ".join(value) or None
    return value


def current_tags(ticket_id: int) -> tuple[str, ...]:
    return tuple(db.session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id)
                                    .order_by(TicketTag.tag)))


def validated(changes: dict) -> dict:
    """The changes checked as any agent's edit is (choices, an active agent, an existing group,
    tags normalised and sorted); DomainError naming the field. Also used by bulk updates."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    checked = dict(changes)
    for name, choices in (("status", TICKET_STATUSES), ("priority", TICKET_PRIORITIES), ("type", TICKET_TYPES)):
        if name in checked:
            check_choice(checked[name], choices, name)
    if "assignee_id" in checked:
        check_agent(checked["assignee_id"])
    if "group_id" in checked:
        check_group(checked["group_id"])
    if "tags" in checked:
        checked["tags"] = tuple(sorted(tagging.normalise_tags(checked["tags"])))
    return checked


def apply_field(ticket: Ticket, name: str, value) -> None:
    """Set one field (tags replace the ticket's tags; a status sets or clears solved_at)."""
    if name == "tags":
        db.session.execute(delete(TicketTag).where(TicketTag.ticket_id == ticket.id))
        db.session.add_all(TicketTag(ticket_id=ticket.id, tag=tag) for tag in value)
        return
    setattr(ticket, name, value)
    if name == "status" and value == "solved":
        ticket.solved_at = utcnow()
        surveys.ask_after_ticket(ticket)
    elif name == "status":
        ticket.solved_at = None


def update_ticket(ticket_id: int, changes: dict, *, expected_version: int, by: Actor) -> Ticket:
    """Called by the ticket page's properties form: apply the changed fields
    (status, priority, type, assignee_id, group_id, tags), one audit entry each, one commit; a
    status change is also `request_updated` to the customer's verified widgets.
    TicketConflictError, saving nothing, when the ticket moved past expected_version."""
    changes = validated(changes)
    ticket = intake.get_ticket(ticket_id, lock=True)
    if ticket.version != expected_version:
        conflicts = conflicts_since(ticket, expected_version)
        db.session.rollback()
        raise TicketConflictError(conflicts, ticket.version)
    try:
        changed = apply_changes(ticket, changes, by=by)
    except DomainError:
        db.session.rollback()
        raise
    if not changed:
        db.session.rollback()
        return ticket
    db.session.commit()
    realtime.ticket_changed(intake.ticket_payload(ticket))
    if "status" in changed:
        realtime.request_updated(ticket.requester_id, ticket.id, "status")
    return ticket


def apply_changes(ticket: Ticket, changes: dict, *, by: Actor, details: dict | None = None) -> list[str]:
    """Apply validated changes to a locked ticket in the caller's transaction (flushes nothing):
    the fields whose value differs are set, one audit entry each, one version more. Returns the
    changed fields ([] when nothing differed). Called by update_ticket and ticket_bulk.bulk_update.
    DomainError for a ticket merged into another: its changes belong in that one."""
    if ticket.merged_into_id is not None:
        raise DomainError(f"#{ticket.id} was merged into #{ticket.merged_into_id}: change that ticket instead.")
    before = {name: (current_tags(ticket.id) if name == "tags" else getattr(ticket, name)) for name in changes}
    changed = {name: value for name, value in changes.items() if before[name] != value}
    if not changed:
        return []
    ticket.version += 1
    ticket.updated_at = utcnow()
    for name, value in changed.items():
        apply_field(ticket, name, value)
        record(ticket, by, name, _labels(name, before[name]), _labels(name, value), details=details)
    return list(changed)


def _add_message(ticket: Ticket, body: str, *, author_type: str, channel: str, internal: bool = False,
                 author_agent_id: int | None = None, client_key: str | None = None) -> TicketMessage:
    message = TicketMessage(ticket_id=ticket.id, author_type=author_type, author_agent_id=author_agent_id,
                            body=check_text(body, "body", MAX_BODY_CHARS), internal=internal, channel=channel,
                            client_key=client_key, created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    return message


def reply_as_agent(ticket_id: int, body: str, *, agent: Agent, internal: bool = False,
                   status_after: str | None = None, by: Actor, uploads: Sequence[Upload] = ()) -> TicketMessage:
    """Called by the ticket page's composer: a public reply (it reaches the customer) or an
    internal note, with its files (one refused file refuses the reply: AttachmentError, nothing
    saved). A public reply sets the status the agent chose (default pending: waiting for the
    customer) and the first-response time. One commit, audit of the status change; then
    `ticket_updated` to the consoles and, for a public reply only, `request_updated` to the
    customer's verified widgets."""
    if status_after is not None:
        check_choice(status_after, REPLY_STATUSES, "status")
    with ticket_attachments.stored(uploads) as batch:
        ticket = intake.get_ticket(ticket_id, lock=True)
        if ticket.status == "closed" and not internal:
            db.session.rollback()
            raise DomainError("This ticket is closed: the customer's next message starts a follow-up.", field="body")
        message = _add_message(ticket, body, author_type="agent", channel="web", internal=internal,
                               author_agent_id=agent.id)
        ticket_attachments.attach(batch, message)
        ticket.version += 1
        ticket.updated_at = message.created_at
        if not internal:
            ticket.first_response_at = ticket.first_response_at or message.created_at
            new_status = status_after or "pending"
            if new_status != ticket.status:
                old = ticket.status
                apply_field(ticket, "status", new_status)
                record(ticket, by, "status", old, new_status)
            outgoing.agent_reply(ticket, message, agent)
        db.session.commit()
    realtime.ticket_changed(intake.ticket_payload(ticket))
    if not internal:  # a note is for agents only: the customer's widget hears nothing of it
        realtime.request_updated(ticket.requester_id, ticket.id, "agent_reply")
    return message


def _answered(ticket_id: int, client_key: str | None) -> TicketMessage | None:
    """The message a submit with this client key already made in the ticket or in its follow-up."""
    if client_key is None:
        return None
    return db.session.scalar(select(TicketMessage).where(TicketMessage.client_key == client_key,
                                                         TicketMessage.ticket_id == ticket_id))


def reply_as_customer(ticket_id: int, body: str, *, channel: str, by: Actor, client_key: str | None = None,
                      uploads: Sequence[Upload] = (), partial: bool = False) -> tuple[Ticket, TicketMessage]:
    """Called by "My requests", the widget and the inbound email: the customer answers, with its
    files (a refused one refuses the answer, AttachmentError; with partial=True, the inbound
    email's way, the refused ones become a note instead). An answer reopens the ticket (pending,
    on hold or solved → open); an answer to a closed ticket makes a follow-up ticket, linked in
    both audit trails. An answer to a ticket merged into another goes to that one. Returns the
    ticket the message went to. A retry with the same client_key
    returns the first answer."""
    with ticket_attachments.stored(uploads, partial=partial) as batch:
        ticket = intake.live_ticket(ticket_id, lock=True)
        done = _answered(ticket.id, client_key)
        if done is not None:
            db.session.rollback()
            return ticket, done
        if ticket.status == "closed":
            db.session.rollback()
            follow = intake.find_by_client_key(ticket.channel, client_key and f"follow-{client_key}"[:64])
            if follow is not None:
                return follow, db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == follow.id)
                                                 .order_by(TicketMessage.id).limit(1))
            return _follow_up(ticket, body, by=by, client_key=client_key, attachments=batch)
        message = _add_message(ticket, body, author_type="customer", channel=channel, client_key=client_key)
        ticket_attachments.attach(batch, message)
        ticket.version += 1
        ticket.updated_at = message.created_at
        if ticket.status in ("pending", "on_hold", "solved"):
            old = ticket.status
            apply_field(ticket, "status", "open")
            record(ticket, by, "status", old, "open")
        db.session.commit()
    realtime.ticket_changed(intake.ticket_payload(ticket))
    realtime.request_updated(ticket.requester_id, ticket.id, "customer_reply")  # the customer's other tabs
    return ticket, message


def _follow_up(closed: Ticket, body: str, *, by: Actor, client_key: str | None = None,
               attachments: ticket_attachments.Batch | None = None) -> tuple[Ticket, TicketMessage]:
    """A new ticket for an answer to a closed one, with the answer's files; one commit."""
    request = TicketRequest(
        subject=f"Follow-up: {closed.subject}"[:200], body=body, channel=closed.channel,
        requester=Requester(customer_id=closed.requester_id), priority=closed.priority, type=closed.type,
        group_id=closed.group_id, client_key=client_key and f"follow-{client_key}"[:64])
    follow = intake.build_ticket(request, by=by, attachments=attachments)
    record(intake.get_ticket(closed.id), by, "follow_up", None, f"#{follow.id}")
    record(follow, by, "follow_up_of", None, f"#{closed.id}")
    follow = intake.commit_new(follow, request)
    message = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == follow.id)
                                .order_by(TicketMessage.id).limit(1))
    return follow, message


def ticket_from_conversation(conversation_id: int, *, agent: Agent, subject: str | None = None,
                             by: Actor) -> Ticket:
    """Called by the conversation page's "Turn into ticket": a ticket for the chat's customer whose
    thread is the chat's transcript (the first public message opens it; the rest follow in order,
    notes as notes), assigned to the agent, channel chat. A chat becomes one ticket only: a second
    call returns it. One commit."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError("No such conversation.")
    existing = db.session.scalar(select(Ticket).where(Ticket.conversation_id == conversation_id))
    if existing is not None:
        return existing
    lines = list(db.session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                          Message.author_type != "system").order_by(Message.seq)))
    head = next((m for m in lines if not m.is_internal_note), None)
    if head is None:
        raise DomainError("This chat has no messages to turn into a ticket.")
    opening = next((m.body for m in lines if m.author_type == "visitor"), head.body)
    request = TicketRequest(subject=(subject or "").strip() or " ".join(opening.split())[:80], body=head.body,
                            channel="chat", requester=Requester(customer_id=conversation.customer_id),
                            client_key=f"conversation-{conversation_id}")
    ticket = intake.build_ticket(request, by=by, author_agent_id=head.author_agent_id, assignee_id=agent.id,
                                  conversation_id=conversation_id)
    db.session.add_all(TicketMessage(
        ticket_id=ticket.id, author_type="customer" if m.author_type == "visitor" else "agent",
        author_agent_id=m.author_agent_id, body=m.body, internal=m.is_internal_note, channel="chat",
        created_at=m.created_at) for m in lines if m is not head)
    record(ticket, by, "conversation", None, f"chat #{conversation_id}")
    return intake.commit_new(ticket, request)
