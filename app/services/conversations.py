"""Live chat: conversations and their messages (stored and committed, then announced)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Agent, AnonymousVisitor, Conversation, Customer, Message
from app.models.base import utcnow
from app.models.conversation import MAX_BODY_CHARS
from app.services import lifecycle, message_store, realtime
from app.services.batch_cache import BatchCache
from app.services.errors import DomainError, NotFoundError, TooLongError
from app.services.message_store import ChatMessage
from app.services.profiles import resolve
from app.services.visitor_tokens import Visitor, check_id

MAX_ID_CHARS = 64
MAX_RESUME = 500  # messages per join ack; a client further behind joins again from the last seq it got
NOT_FOUND = "No such conversation."  # the same words whether it exists or not: ids cannot be probed


def _owned_profile(visitor: Visitor):
    """The id of the profile this visitor may act for, as a scalar subquery (never creates one).
    An anonymous token does not reach a profile that has since been identified: that history
    needs the customer's user_hash."""
    if visitor.customer_id is not None:
        return select(Customer.id).where(Customer.external_id == visitor.customer_id).scalar_subquery()
    return (
        select(Customer.id).join(AnonymousVisitor, AnonymousVisitor.customer_id == Customer.id)
        .where(AnonymousVisitor.anonymous_id == visitor.anonymous_id, Customer.external_id.is_(None))
        .scalar_subquery()
    )


def _owned_profile_id(visitor: Visitor) -> int | None:
    return db.session.scalar(select(_owned_profile(visitor)))


def visitor_conversation(visitor: Visitor, conversation_id: int, *, lock: bool = False) -> Conversation:
    """The visitor's own conversation; NotFoundError for another's or a missing one alike."""
    query = db.select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update()
    conversation = db.session.scalar(query.execution_options(populate_existing=True))
    if conversation is None or conversation.customer_id != _owned_profile_id(visitor):
        raise NotFoundError(NOT_FOUND)
    return conversation


def agent_conversation(agent: Agent, conversation_id: int, *, lock: bool = False) -> Conversation:
    """Any conversation, for any active agent (inbox permissions come with the inbox)."""
    query = db.select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update()
    conversation = db.session.scalar(query.execution_options(populate_existing=True))
    if conversation is None:
        raise NotFoundError(NOT_FOUND)
    return conversation


def start_conversation(visitor: Visitor) -> Conversation:
    """Called by the widget's start_conversation: a new open conversation on the visitor's profile,
    which is found, linked or created as an ingested event would (profiles.resolve). One commit,
    then `conversation_created` to the agents' inbox room."""
    now = utcnow()
    customer = resolve(visitor.customer_id, visitor.anonymous_id, now, BatchCache())
    # Chatting is engagement (the brief's acquisition stage): the profile is reassessed at once.
    customer.engaged_at = min(customer.engaged_at or now, now)
    customer.last_seen_at = max(customer.last_seen_at, now)
    lifecycle.reassess(customer, lifecycle.current_rules(), now=now)
    conversation = Conversation(customer_id=customer.id, status="open", created_at=now, last_seq=0)
    db.session.add(conversation)
    db.session.commit()
    realtime.conversation_created(conversation_payload(conversation))
    realtime.customer_updated(customer.id, cart_changed=False)
    return conversation


def _check_message(client_msg_id, body) -> None:
    check_id(client_msg_id, "client_msg_id", MAX_ID_CHARS)
    if not isinstance(body, str) or not body.strip():
        raise DomainError("body must be non-empty text.", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise TooLongError(f"A message holds at most {MAX_BODY_CHARS} characters.", field="body")


def send_visitor_message(visitor: Visitor, conversation_id: int, client_msg_id: str, body: str) -> ChatMessage:
    """Called by the widget's send_message. Idempotent on client_msg_id: a resend returns the stored
    message and announces nothing. A resolved conversation reopens. After the commit,
    `message_created` goes to the conversation's rooms (/chat and /console), and
    `conversation_updated` to the inbox when the message reopened it."""
    _check_message(client_msg_id, body)
    owner = ("customer", visitor.customer_id) if visitor.customer_id else ("anonymous", visitor.anonymous_id)
    # A customer writing again reopens a resolved conversation.
    stored = message_store.append(conversation_id, client_msg_id, body, author_type="visitor", owner=owner[0],
                                  owner_value=owner[1], status_after="open")
    if stored.created:
        realtime.message_created(message_payload(stored.message), internal=False)
        if stored.previous_status == "resolved":
            realtime.conversation_updated({"id": conversation_id, "status": "open", "last_seq": stored.message.seq})
    return stored.message


def send_agent_message(agent: Agent, conversation_id: int, client_msg_id: str, body: str,
                       internal: bool = False) -> ChatMessage:
    """Called by the console's send_message. Idempotent on client_msg_id like the visitor's.
    An internal note is announced to agents only (`conversation:{id}:agents` on /console)."""
    _check_message(client_msg_id, body)
    stored = message_store.append(conversation_id, client_msg_id, body, author_type="agent",
                                  author_agent_id=agent.id, internal=bool(internal))
    if stored.created:
        realtime.message_created(message_payload(stored.message), internal=stored.message.is_internal_note)
    return stored.message


def messages_since(conversation: Conversation, since_seq: int, *, include_internal: bool) -> list[Message]:
    """Messages after since_seq in seq order (at most MAX_RESUME), for a client resuming after a
    reconnect. Visitors never get internal notes."""
    query = db.select(Message).where(Message.conversation_id == conversation.id, Message.seq > since_seq)
    if not include_internal:
        query = query.where(Message.is_internal_note.is_(False))
    return list(db.session.scalars(query.order_by(Message.seq).limit(MAX_RESUME)))


def message_payload(message: Message | ChatMessage) -> dict:
    """The wire form of a message (acks, message_created, resume)."""
    return {
        "id": message.id, "conversation_id": message.conversation_id, "seq": message.seq,
        "client_msg_id": message.client_msg_id, "author_type": message.author_type,
        "author_agent_id": message.author_agent_id, "body": message.body,
        "internal": message.is_internal_note, "created_at": message.created_at.isoformat(),
    }


def conversation_payload(conversation: Conversation) -> dict:
    """The wire form of a conversation."""
    return {"id": conversation.id, "status": conversation.status, "last_seq": conversation.last_seq,
            "created_at": conversation.created_at.isoformat()}
