"""A customer's conversations for the shop's server (GET /api/v1/…/conversations): public messages
only, authors by name, never internal notes."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, Conversation, Customer, Message
from app.services.conversations.live_chat import MAX_RESUME, NOT_FOUND
from app.services.customers.queries import get_by_external_id
from app.services.errors import NotFoundError

LISTED = 100
MAX_ID = 2**31 - 1


def _public(conversation_id):
    return (Message.conversation_id == conversation_id) & Message.is_internal_note.is_(False)


def _document(conversation: Conversation, external_id: str | None, assignee: str | None) -> dict:
    count = db.session.scalar(select(func.count(Message.id)).where(_public(conversation.id)))
    return {"id": conversation.id, "customer_id": external_id, "status": conversation.status,
            "channel": conversation.channel, "assignee": assignee, "created_at": conversation.created_at,
            "last_message_at": conversation.last_message_at, "message_count": count}


def customer_conversations(external_id: str) -> list[dict]:
    """The shop's customer's conversations, newest first (at most 100). NotFoundError for an
    unknown or erased customer."""
    customer = get_by_external_id(external_id)
    if customer.erased_at is not None:
        raise NotFoundError("No customer with this id.")
    rows = db.session.execute(
        select(Conversation, Agent.display_name).outerjoin(Agent, Agent.id == Conversation.assignee_id)
        .where(Conversation.customer_id == customer.id).order_by(Conversation.id.desc()).limit(LISTED))
    return [_document(c, external_id, name) for c, name in rows]


def conversation_document(conversation_id: int, since_seq: int = 0) -> dict:
    """One conversation with its public messages after since_seq (at most 500, in order)."""
    if not 0 < conversation_id <= MAX_ID:  # no such row, and too large for the database to compare
        raise NotFoundError(NOT_FOUND)
    row = db.session.execute(
        select(Conversation, Customer.external_id, Customer.erased_at, Agent.display_name)
        .join(Customer, Customer.id == Conversation.customer_id)
        .outerjoin(Agent, Agent.id == Conversation.assignee_id)
        .where(Conversation.id == conversation_id)).first()
    if row is None or row.erased_at is not None:
        raise NotFoundError(NOT_FOUND)
    conversation, external_id, _, assignee = row
    messages = db.session.execute(
        select(Message, Agent.display_name).outerjoin(Agent, Agent.id == Message.author_agent_id)
        .where(_public(conversation.id), Message.seq > since_seq).order_by(Message.seq).limit(MAX_RESUME))
    return {**_document(conversation, external_id, assignee), "messages": [
        {"seq": m.seq, "author_type": m.author_type, "author_name": name, "body": m.body, "created_at": m.created_at}
        for m, name in messages]}
