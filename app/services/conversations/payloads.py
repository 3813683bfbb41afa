"""The wire forms of chat objects, for acks and facts on /chat (the widget) and /console (agents)."""

from __future__ import annotations

from app.extensions import db
from app.models import Agent, Conversation, Message
from app.services.conversations.message_store import ChatMessage

EXCERPT_CHARS = 140


def message_payload(message: Message | ChatMessage) -> dict:
    """A message (acks, message_created, resume)."""
    return {
        "id": message.id, "conversation_id": message.conversation_id, "seq": message.seq,
        "client_msg_id": message.client_msg_id, "author_type": message.author_type,
        "author_agent_id": message.author_agent_id, "body": message.body,
        "internal": message.is_internal_note, "created_at": message.created_at.isoformat(),
    }


def conversation_payload(conversation: Conversation) -> dict:
    """A conversation as agents see it."""
    return {"id": conversation.id, "status": conversation.status, "last_seq": conversation.last_seq,
            "created_at": conversation.created_at.isoformat(), "customer_id": conversation.customer_id,
            "channel": conversation.channel, "assignee_id": conversation.assignee_id,
            "unread_for_agents": conversation.unread_for_agents, "visitor_read_seq": conversation.visitor_read_seq}


def _agent_name(agent_id: int | None) -> str | None:
    return db.session.scalar(db.select(Agent.display_name).where(Agent.id == agent_id)) if agent_id else None


def visitor_conversation_payload(conversation: Conversation, agent_name: str | None = ...) -> dict:
    """A conversation as the visitor's widget sees it: no internal state, the answering agent's
    name, and the agents' read position (the "seen" receipt for the visitor's messages)."""
    if agent_name is ...:
        agent_name = _agent_name(conversation.assignee_id)
    return {"id": conversation.id, "status": conversation.status, "last_seq": conversation.last_seq,
            "created_at": conversation.created_at.isoformat(), "channel": conversation.channel,
            "agent_name": agent_name, "agent_read_seq": conversation.agent_read_seq,
            "unread": conversation.unread_for_visitor}


def excerpt(body: str) -> str:
    """The start of a message, for inbox lines and notifications."""
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"


def activity_payload(conversation_id: int, *, seq: int, assignee_id: int | None, unread: int,
                     message: dict | None = None) -> dict:
    """`conversation_activity`: a conversation's unread count changed, after a message (its author
    and excerpt) or after agents read it (no message)."""
    return {"conversation_id": conversation_id, "seq": seq,
            "author_type": message["author_type"] if message else None,
            "excerpt": excerpt(message["body"]) if message else None,
            "assignee_id": assignee_id, "unread_for_agents": unread}
