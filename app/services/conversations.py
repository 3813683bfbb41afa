"""Live chat: visitor tokens, conversations and messages (stored and committed, then announced)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.models import Agent, AnonymousVisitor, Conversation, Customer, Message
from app.models.base import utcnow
from app.models.conversation import MAX_BODY_CHARS
from app.services import lifecycle, realtime, widget_identity
from app.services.batch_cache import BatchCache
from app.services.errors import DomainError, NotFoundError, PermissionDeniedError, TooLongError, UnauthorizedError
from app.services.profiles import resolve

TOKEN_SALT = "helpdesk.visitor-token"
MAX_ID_CHARS = 64
MAX_RESUME = 500  # messages per join ack; a client further behind joins again from the last seq it got
NOT_FOUND = "No such conversation."  # the same words whether it exists or not: ids cannot be probed


@dataclass(frozen=True)
class Visitor:
    """Who a widget socket speaks for: its anonymous id and, when proven with user_hash, the customer id."""

    anonymous_id: str
    customer_id: str | None = None


@dataclass(frozen=True)
class VisitorToken:
    token: str
    expires_at: datetime


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _token_seconds() -> int:
    return int(current_app.config["HELPDESK_VISITOR_TOKEN_SECONDS"])


def _check_id(value, field: str, limit: int = 128) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise DomainError(f"{field} must be a non-empty string of at most {limit} characters.", field=field)
    return value


def issue_visitor_token(
    anonymous_id: str, customer_id: str | None = None, user_hash: str | None = None
) -> VisitorToken:
    """Called by POST /api/v1/widget/session. A customer_id needs a valid user_hash
    (PermissionDeniedError otherwise); without one the token speaks for the anonymous visitor only."""
    _check_id(anonymous_id, "anonymous_id")
    if customer_id is not None:
        _check_id(customer_id, "customer_id")
        if not widget_identity.verify(customer_id, user_hash):
            raise PermissionDeniedError("user_hash does not prove this customer_id.", field="user_hash")
    token = _serializer().dumps({"a": anonymous_id, "c": customer_id})
    return VisitorToken(token=token, expires_at=utcnow() + timedelta(seconds=_token_seconds()))


def read_visitor_token(token) -> Visitor:
    """The visitor a token speaks for; UnauthorizedError when it is missing, forged or expired."""
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise UnauthorizedError("A visitor token is required.")
    try:
        data = _serializer().loads(token, max_age=_token_seconds())
    except SignatureExpired:
        raise UnauthorizedError("The visitor token has expired: ask for a new one.") from None
    except BadSignature:
        raise UnauthorizedError("The visitor token is not valid.") from None
    return Visitor(anonymous_id=data["a"], customer_id=data.get("c"))


def _owned_profile_id(visitor: Visitor) -> int | None:
    """The profile this visitor may act for, without creating one. An anonymous token does not
    reach a profile that has since been identified: that history needs the customer's user_hash."""
    if visitor.customer_id is not None:
        return db.session.scalar(db.select(Customer.id).where(Customer.external_id == visitor.customer_id))
    return db.session.scalar(
        db.select(Customer.id).join(AnonymousVisitor, AnonymousVisitor.customer_id == Customer.id)
        .where(AnonymousVisitor.anonymous_id == visitor.anonymous_id, Customer.external_id.is_(None))
    )


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
    _check_id(client_msg_id, "client_msg_id", MAX_ID_CHARS)
    if not isinstance(body, str) or not body.strip():
        raise DomainError("body must be non-empty text.", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise TooLongError(f"A message holds at most {MAX_BODY_CHARS} characters.", field="body")


def _stored(conversation_id: int, client_msg_id: str) -> Message | None:
    return db.session.scalar(
        db.select(Message).where(Message.conversation_id == conversation_id, Message.client_msg_id == client_msg_id)
    )


def _append(conversation: Conversation, client_msg_id: str, body: str, **author) -> tuple[Message, bool]:
    """Store a message under the conversation's row lock (held by the caller), or find the one
    already stored under client_msg_id. Returns (message, created); commits a new one."""
    existing = _stored(conversation.id, client_msg_id)
    if existing is not None:
        db.session.rollback()  # nothing to write: release the lock
        return existing, False
    now = utcnow()
    conversation.last_seq += 1
    conversation.last_message_at = now
    message = Message(conversation_id=conversation.id, seq=conversation.last_seq, client_msg_id=client_msg_id,
                      body=body, created_at=now, **author)
    db.session.add(message)
    db.session.commit()
    return message, True


def send_visitor_message(visitor: Visitor, conversation_id: int, client_msg_id: str, body: str) -> Message:
    """Called by the widget's send_message. Idempotent on client_msg_id: a resend returns the stored
    message and announces nothing. A resolved conversation reopens. After the commit,
    `message_created` goes to the conversation's rooms (/chat and /console)."""
    _check_message(client_msg_id, body)
    conversation = visitor_conversation(visitor, conversation_id, lock=True)
    if conversation.status == "resolved":
        conversation.status = "open"  # undone by _append's rollback when this is a resend
    message, created = _append(conversation, client_msg_id, body, author_type="visitor")
    if created:
        realtime.message_created(message_payload(message), internal=False)
    return message


def send_agent_message(agent: Agent, conversation_id: int, client_msg_id: str, body: str,
                       internal: bool = False) -> Message:
    """Called by the console's send_message. Idempotent on client_msg_id like the visitor's.
    An internal note is announced to agents only (`conversation:{id}:agents` on /console)."""
    _check_message(client_msg_id, body)
    conversation = agent_conversation(agent, conversation_id, lock=True)
    message, created = _append(conversation, client_msg_id, body, author_type="agent",
                               author_agent_id=agent.id, is_internal_note=bool(internal))
    if created:
        realtime.message_created(message_payload(message), internal=message.is_internal_note)
    return message


def messages_since(conversation: Conversation, since_seq: int, *, include_internal: bool) -> list[Message]:
    """Messages after since_seq in seq order (at most MAX_RESUME), for a client resuming after a
    reconnect. Visitors never get internal notes."""
    query = db.select(Message).where(Message.conversation_id == conversation.id, Message.seq > since_seq)
    if not include_internal:
        query = query.where(Message.is_internal_note.is_(False))
    return list(db.session.scalars(query.order_by(Message.seq).limit(MAX_RESUME)))


def message_payload(message: Message) -> dict:
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
