"""What happens around the messages of a chat: typing, "seen" receipts, who is looking at a
conversation, and an agent reaching out to a visitor on the site."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Agent, Conversation, Customer, Message
from app.models.base import utcnow
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import message_store
from app.services.conversations.live_chat import agent_conversation, check_message, visitor_conversation
from app.services.conversations.payloads import (
    activity_payload,
    conversation_payload,
    message_payload,
    visitor_conversation_payload,
)
from app.services.errors import DomainError, NotFoundError
from app.services.platform import presence, realtime


def visitor_typing(visitor: Visitor, conversation_id: int, typing: bool) -> None:
    """Called by the widget's typing command: tell the conversation's agents (nothing is stored)."""
    visitor_conversation(visitor, conversation_id)
    db.session.rollback()
    realtime.typing(conversation_id, {"conversation_id": conversation_id, "author_type": "visitor",
                                      "typing": bool(typing)}, to_visitor=False)


def agent_typing(agent: Agent, conversation_id: int, typing: bool, *, internal: bool = False) -> None:
    """Called by the console's typing command: tell the other agents (collision), and the visitor
    unless the agent is writing an internal note."""
    agent_conversation(agent, conversation_id)
    db.session.rollback()
    realtime.typing(conversation_id, {"conversation_id": conversation_id, "author_type": "agent",
                                      "agent_id": agent.id, "agent_name": agent.display_name,
                                      "typing": bool(typing), "internal": bool(internal)},
                    to_visitor=not internal)


def _unread_after(conversation_id: int, seq: int, *, for_agents: bool):
    authored = Message.author_type == "visitor" if for_agents else (
        (Message.author_type == "agent") & Message.is_internal_note.is_(False))
    return (select(func.count(Message.id))
            .where(Message.conversation_id == conversation_id, Message.seq > seq, authored).scalar_subquery())


def _mark_read(conversation: Conversation, seq: int, *, by_agents: bool) -> bool:
    """Move a side's read position forward to seq (never back) and recount its unread."""
    if not isinstance(seq, int) or seq < 0:
        raise DomainError("seq must be a non-negative integer.", field="seq")
    seq = min(seq, conversation.last_seq)
    position = Conversation.agent_read_seq if by_agents else Conversation.visitor_read_seq
    counter = "unread_for_agents" if by_agents else "unread_for_visitor"
    if seq <= getattr(conversation, position.key):
        db.session.rollback()
        return False
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id).values(
        {position.key: seq, counter: _unread_after(conversation.id, seq, for_agents=by_agents)}))
    db.session.commit()
    return True


def visitor_read(visitor: Visitor, conversation_id: int, seq: int) -> None:
    """Called by the widget's mark_read when the visitor has seen messages up to seq: one commit,
    then `read` to both sides (the agents' "Seen" under their replies)."""
    conversation = visitor_conversation(visitor, conversation_id, lock=True)
    if _mark_read(conversation, seq, by_agents=False):
        realtime.read(conversation_id, {"conversation_id": conversation_id, "reader": "visitor",
                                        "seq": min(seq, conversation.last_seq)})


def agent_read(agent: Agent, conversation_id: int, seq: int) -> None:
    """Called by the console's mark_read when an agent has the conversation on screen: one commit,
    then `read` to both sides (the visitor's "Seen") and `conversation_activity` (badges)."""
    conversation = agent_conversation(agent, conversation_id, lock=True)
    if _mark_read(conversation, seq, by_agents=True):
        conversation = db.session.get(Conversation, conversation_id)
        realtime.read(conversation_id, {"conversation_id": conversation_id, "reader": "agent",
                                        "seq": conversation.agent_read_seq})
        realtime.conversation_activity(activity_payload(
            conversation_id, seq=conversation.last_seq, assignee_id=conversation.assignee_id,
            unread=conversation.unread_for_agents))


def view(agent: Agent, sid: str, conversation_id: int | None) -> list[dict]:
    """Called when a console socket opens a conversation (or leaves it, None): record it and tell
    the agents of both conversations who is looking now. Returns the viewers of the new one."""
    if conversation_id is not None:
        agent_conversation(agent, conversation_id)
    before = presence.set_viewing(sid, conversation_id)
    if before is not None and before != conversation_id:
        realtime.viewers_changed(before, presence.viewers(before))
    if conversation_id is None:
        return []
    viewers = presence.viewers(conversation_id)
    realtime.viewers_changed(conversation_id, viewers)
    return viewers


def reach_out(agent: Agent, customer_id: int, body: str, client_key: str) -> Conversation:
    """Called from the console's visitors-on-site list: an agent opens a chat with a visitor who is
    on the site now. A new conversation assigned to the agent, with the agent's first message;
    idempotent on client_key. One commit, then the inbox facts and `conversation_started` to every
    widget socket of the visitor, which shows the message."""
    check_message(client_key, body)
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFoundError("No such visitor.")
    existing = db.session.scalar(select(Conversation).where(Conversation.customer_id == customer_id,
                                                            Conversation.client_key == client_key))
    if existing is not None:
        db.session.rollback()
        return existing
    now = utcnow()
    conversation = Conversation(customer_id=customer_id, status="open", created_at=now, last_seq=0,
                                channel="proactive", client_key=client_key, assignee_id=agent.id, assigned_at=now)
    db.session.add(conversation)
    db.session.flush()
    first = message_store.add_in_transaction(conversation, body, author_type="agent", internal=False,
                                             author_agent_id=agent.id, client_msg_id=client_key)
    db.session.commit()
    realtime.conversation_created(conversation_payload(conversation))
    realtime.visitor_conversation_started(customer_id, {
        "conversation": visitor_conversation_payload(conversation, agent.display_name),
        "message": message_payload(first), "proactive": True})
    return conversation
