"""The chat's hot path: store one message (or find its resend) in a few prepared Core statements.

A message costs one locking read, one insert, one update and the commit. The statements are built
once and reused, so SQLAlchemy neither rebuilds nor re-hashes them per message (the ORM unit of
work and statement construction were most of a message's CPU time; docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, insert, select, update

from app.extensions import db
from app.models import Conversation, Message
from app.models.base import utcnow
from app.services.access import visitors
from app.services.errors import NotFoundError

COLUMNS = ("id", "conversation_id", "seq", "client_msg_id", "author_type", "author_agent_id", "body",
           "is_internal_note", "created_at")
OWNERS = ("any", "customer", "anonymous")


@dataclass(frozen=True)
class ChatMessage:
    """A stored message as the send commands return it (the columns of a Message row)."""

    id: int
    conversation_id: int
    seq: int
    client_msg_id: str
    author_type: str
    author_agent_id: int | None
    body: str
    is_internal_note: bool
    created_at: datetime


@dataclass(frozen=True)
class Stored:
    """What append() did: the message, whether it is new, the conversation's status before, and
    its assignee and agents' unread count after."""

    message: ChatMessage
    created: bool
    previous_status: str
    assignee_id: int | None = None
    unread_for_agents: int = 0


@functools.cache
def _lock_statement(owner: str):
    """SELECT the conversation FOR UPDATE, with a message already stored under the client id (a
    resend) joined in; restricted to the owner's profile for visitors (`owner`: one of OWNERS)."""
    conversations, stored = Conversation.__table__, Message.__table__.alias("stored")
    query = (
        select(conversations.c.status, conversations.c.last_seq, conversations.c.assignee_id,
               conversations.c.unread_for_agents, *[stored.c[name] for name in COLUMNS])
        .select_from(conversations.outerjoin(stored, and_(
            stored.c.conversation_id == conversations.c.id, stored.c.client_msg_id == bindparam("client_msg_id"))))
        .where(conversations.c.id == bindparam("conversation_id"))
        .with_for_update(of=conversations)
    )
    if owner == "customer":
        profile = visitors.owned_profile_query(customer_id=bindparam("owner"))
        query = query.where(conversations.c.customer_id == profile.scalar_subquery())
    elif owner == "anonymous":
        profile = visitors.owned_profile_query(anonymous_id=bindparam("owner"))
        query = query.where(conversations.c.customer_id == profile.scalar_subquery())
    return query


@functools.cache
def _insert_statement():
    messages = Message.__table__
    return insert(messages).returning(messages.c.id)


@functools.cache
def _bump_statement(kind: str):
    """UPDATE the conversation after a message of this kind: its seq, time and status, and the
    read positions and unread counters. Who writes has read what came before: a visitor's message
    moves the visitor's read position and counts as unread for agents, an agent's public reply
    the other way round; notes change neither."""
    conversations = Conversation.__table__
    values = {"last_seq": bindparam("b_seq"), "last_message_at": bindparam("b_at"), "status": bindparam("b_status")}
    if kind == "visitor":
        values.update(visitor_read_seq=bindparam("b_seq"), unread_for_visitor=0,
                      unread_for_agents=conversations.c.unread_for_agents + 1)
    elif kind == "agent":
        values.update(agent_read_seq=bindparam("b_seq"), unread_for_agents=0,
                      unread_for_visitor=conversations.c.unread_for_visitor + 1)
    return (update(conversations).where(conversations.c.id == bindparam("b_id")).values(values)
            .returning(conversations.c.assignee_id, conversations.c.unread_for_agents))


def append(conversation_id: int, client_msg_id: str, body: str, *, author_type: str, owner: str = "any",
           owner_value: str | None = None, author_agent_id: int | None = None, internal: bool = False,
           status_after: str | None = None) -> Stored:
    """Store a message under the conversation's row lock and commit; or, when client_msg_id is
    already stored there, release the lock and return that message (created=False).

    NotFoundError when the conversation does not exist or is not the owner's. The next seq is taken
    under the lock (SQLite: the single writer), so numbers are gap-free and ordered.
    `status_after` sets the conversation's status in the same commit (None keeps it)."""
    connection = db.session.connection()
    row = connection.execute(_lock_statement(owner), {
        "conversation_id": conversation_id, "client_msg_id": client_msg_id, "owner": owner_value}).one_or_none()
    if row is None:
        raise NotFoundError("No such conversation.")
    if row.id is not None:
        db.session.rollback()  # nothing to write: release the lock
        return Stored(ChatMessage(*row[4:]), created=False, previous_status=row.status)
    now, seq = utcnow(), row.last_seq + 1
    values = {"conversation_id": conversation_id, "seq": seq, "client_msg_id": client_msg_id,
              "author_type": author_type, "author_agent_id": author_agent_id, "body": body,
              "is_internal_note": internal, "created_at": now}
    message_id = connection.execute(_insert_statement(), values).scalar_one()
    kind = "note" if internal else author_type
    after = connection.execute(_bump_statement(kind), {"b_id": conversation_id, "b_seq": seq, "b_at": now,
                                                       "b_status": status_after or row.status}).one()
    db.session.commit()
    return Stored(ChatMessage(id=message_id, **values), created=True, previous_status=row.status,
                  assignee_id=after.assignee_id, unread_for_agents=after.unread_for_agents)


def add_in_transaction(conversation: Conversation, body: str, *, author_type: str, internal: bool,
                       client_msg_id: str | None = None, author_agent_id: int | None = None) -> Message:
    """A message in the caller's transaction, which must hold the conversation's row (new, or
    loaded FOR UPDATE): system notes on assignment, the first message of a left message or a
    proactive chat. Keeps the counters as append() does. Flushes; the caller commits."""
    now = utcnow()
    conversation.last_seq = (conversation.last_seq or 0) + 1
    conversation.last_message_at = now
    if author_type == "visitor":
        conversation.visitor_read_seq, conversation.unread_for_visitor = conversation.last_seq, 0
        conversation.unread_for_agents = (conversation.unread_for_agents or 0) + 1
    elif author_type == "agent" and not internal:
        conversation.agent_read_seq, conversation.unread_for_agents = conversation.last_seq, 0
        conversation.unread_for_visitor = (conversation.unread_for_visitor or 0) + 1
    message = Message(conversation_id=conversation.id, seq=conversation.last_seq, author_type=author_type,
                      client_msg_id=client_msg_id or f"{author_type}-{secrets.token_hex(8)}", body=body,
                      is_internal_note=internal, author_agent_id=author_agent_id, created_at=now)
    db.session.add(message)
    db.session.flush()
    return message


def add_system_note(conversation: Conversation, body: str) -> Message:
    """An internal note by the system (assignment, transfers), in the caller's transaction."""
    return add_in_transaction(conversation, body, author_type="system", internal=True)
