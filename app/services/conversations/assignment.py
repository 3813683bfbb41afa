"""Who answers a conversation: round-robin among available agents under a capacity, claim,
transfer and unassign, and handing waiting conversations over when an agent becomes free."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, Conversation, Message
from app.models.base import utcnow
from app.services.conversations import message_store, settings
from app.services.conversations.payloads import conversation_payload, message_payload, visitor_conversation_payload
from app.services.errors import DomainError
from app.services.platform import presence, realtime
from app.services.platform.locked_rows import get_locked

WAITING_BATCH = 20


def _open_count():
    """Open conversations assigned to Agent, as a correlated subquery. Pending ones (waiting for
    the customer's answer) do not take up the agent's capacity until the customer writes again."""
    return (select(func.count(Conversation.id))
            .where(Conversation.assignee_id == Agent.id, Conversation.status == "open")
            .correlate(Agent).scalar_subquery())


def pick_agent() -> Agent | None:
    """The available agent who should get the next conversation: online with a console open,
    under the capacity, and assigned least recently (round-robin). The agent's row is locked
    (skipping rows another transaction is assigning to), so two chats starting at once go to
    two agents on PostgreSQL; SQLite has one writer at a time anyway."""
    capacity = settings.current().capacity
    online = presence.online_agent_ids()
    if not online:
        return None
    return db.session.scalar(
        select(Agent).where(Agent.id.in_(online), _open_count() < capacity)
        .order_by(Agent.last_assigned_at.is_not(None), Agent.last_assigned_at, Agent.id)
        .limit(1).with_for_update(skip_locked=True, of=Agent))


def _assign(conversation: Conversation, agent: Agent | None, note: str) -> Message:
    """Set the assignee (flush only); an internal system note, returned, says who and why."""
    now = utcnow()
    conversation.assignee_id = agent.id if agent else None
    conversation.assigned_at = now if agent else None
    if agent is not None:
        agent.last_assigned_at = now
    return message_store.add_system_note(conversation, note)


def assign_new(conversation: Conversation) -> Message | None:
    """Called inside start_conversation, before its commit: give the new conversation to the
    round-robin's agent, if any is available (it waits unassigned otherwise). Returns the system
    note to announce after the commit, or None when nobody was free."""
    agent = pick_agent()
    if agent is None:
        return None
    return _assign(conversation, agent, f"Assigned to {agent.display_name} (round-robin).")


def assign_answered(conversation: Conversation, agent: Agent | None) -> Message | None:
    """Called when a visitor answers a proactive message: the agent it came from has the chat if
    they are online, otherwise the round-robin's agent. Returns the note to announce, or None."""
    if agent is not None and agent.id in presence.online_agent_ids():
        return _assign(conversation, agent, f"Assigned to {agent.display_name} (the visitor answered their message).")
    return assign_new(conversation)


def _locked(conversation_id: int) -> Conversation:
    return get_locked(Conversation, conversation_id, "No such conversation.")


def announce(conversation: Conversation, previous_assignee: int | None, note: Message | None) -> None:
    """After the commit: the inbox, the agents concerned, the visitor's widget and the system note."""
    payload = conversation_payload(conversation)
    realtime.conversation_updated(payload)
    realtime.conversation_assigned(payload, previous_assignee)
    realtime.visitor_conversation_updated(visitor_conversation_payload(conversation))
    if note is not None:
        realtime.message_created(message_payload(note), internal=True)


def reassign(conversation_id: int, to_agent_id: int | None, *, by: Agent) -> Conversation:
    """Called by the console's Claim (to oneself), Transfer (to another agent) and Unassign
    (None). Manual assignment ignores capacity and presence: the agent chose it. One commit, then
    `conversation_updated` to the inbox, `conversation_assigned` to the agents concerned and the
    new state to the visitor's widget."""
    conversation = _locked(conversation_id)
    previous = conversation.assignee_id
    if to_agent_id is None:
        if previous is None:
            db.session.rollback()
            return conversation
        note = _assign(conversation, None, f"Unassigned by {by.display_name}.")
    else:
        target = db.session.get(Agent, to_agent_id)
        if target is None or not target.active:
            raise DomainError("Choose an active agent.", field="agent_id")
        if previous == target.id:
            db.session.rollback()
            return conversation
        note = _assign(conversation, target, f"{by.display_name} took the conversation." if target.id == by.id
                       else f"Transferred to {target.display_name} by {by.display_name}.")
    db.session.commit()
    announce(conversation, previous, note)
    return conversation


def assign_waiting() -> int:
    """Called when an agent becomes available (goes online, resolves a chat): hand the oldest
    unassigned open conversations to available agents by round-robin, each in its own commit.
    Returns how many were assigned."""
    assigned = 0
    waiting = list(db.session.scalars(
        select(Conversation.id).where(Conversation.assignee_id.is_(None), Conversation.status == "open")
        .order_by(Conversation.created_at, Conversation.id).limit(WAITING_BATCH)))
    db.session.rollback()
    for conversation_id in waiting:
        conversation = _locked(conversation_id)
        if conversation.assignee_id is not None or conversation.status != "open":
            db.session.rollback()
            continue
        note = assign_new(conversation)
        if note is None:
            db.session.rollback()
            break
        db.session.commit()
        announce(conversation, None, note)
        assigned += 1
    return assigned


def console_opened(agent: Agent, sid: str, session_id: int | None = None) -> None:
    """Called by the console's connect: record the socket with the sign-in it belongs to. An agent
    set to online who had no console open becomes available: the team is told and waiting
    conversations may come to them."""
    was = presence.effective_presence(agent)
    presence.connect(sid, presence.CONSOLE, agent_id=agent.id, agent_session_id=session_id)
    now = presence.effective_presence(agent)
    if now != was:
        realtime.presence_changed({"agent_id": agent.id, "presence": now})
    if now == "online":
        assign_waiting()


def console_closed(sid: str) -> tuple[int | None, int | None]:
    """Called by the console's disconnect: forget the socket; when it was the agent's last console,
    the team sees them offline. Returns the conversation and the ticket the socket was showing."""
    row = presence.disconnect(sid)
    if row is None or row.agent_id is None:
        return None, None
    agent = db.session.get(Agent, row.agent_id)
    if agent is not None and agent.presence != "offline" and presence.effective_presence(agent) == "offline":
        realtime.presence_changed({"agent_id": agent.id, "presence": "offline"})
    db.session.rollback()
    return row.viewing_conversation_id, row.viewing_ticket_id


def change_presence(agent: Agent, chosen: str) -> str:
    """Called by the console's presence switch: store it, tell the team, and when the agent is now
    online hand them waiting conversations."""
    presence.set_presence(agent, chosen)
    if chosen == "online":
        assign_waiting()
    return presence.effective_presence(agent)
