"""Revocation reaches live sockets: after the commit that ends someone's rights (an agent's
sign-in, an agent, an erased customer), their open sockets are disconnected on every process.

A socket's rights are checked when it connects and at each command it sends; a socket that only
listens would otherwise keep hearing its rooms. The sockets are found by their rows in
realtime_connections (every process records its own), and each is disconnected by sid:
python-socketio hands a sid another process holds to the message queue (Redis), so the process
that holds it closes it. Each process's heartbeat also sweeps its own console sockets whose
sign-in has ended, which catches a revocation made where no queue reaches (the CLI without Redis).
"""

from __future__ import annotations

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Agent, AgentSession, Conversation, RealtimeConnection
from app.models.base import utcnow
from app.services.platform import presence, realtime

CONSOLE, CHAT = presence.CONSOLE, presence.CHAT


def _sids(*criteria) -> list[str]:
    sids = list(db.session.scalars(select(RealtimeConnection.sid).where(*criteria)))
    db.session.rollback()  # a read after the caller's commit: end it before anything else runs
    return sids


def end_session_sockets(session_id: int) -> list[str]:
    """After a sign-out is committed: disconnect that sign-in's console sockets. Returns their sids."""
    sids = _sids(RealtimeConnection.namespace == CONSOLE, RealtimeConnection.agent_session_id == session_id)
    realtime.disconnect(sids, namespace=realtime.CONSOLE)
    return sids


def end_agent_sockets(agent_id: int, *, except_session_id: int | None = None) -> list[str]:
    """After an agent's sessions were revoked (deactivation, a password change: all but the
    session that made it): disconnect their other console sockets. Returns their sids."""
    criteria = [RealtimeConnection.namespace == CONSOLE, RealtimeConnection.agent_id == agent_id]
    if except_session_id is not None:
        criteria.append(or_(RealtimeConnection.agent_session_id.is_(None),
                            RealtimeConnection.agent_session_id != except_session_id))
    sids = _sids(*criteria)
    realtime.disconnect(sids, namespace=realtime.CONSOLE)
    return sids


def customer_socket_sids(customer_id: int) -> list[str]:
    """The widget sockets on a customer's profile, read in the caller's transaction before an
    erasure deletes their rows; the caller disconnects them after its commit (end_sids)."""
    return list(db.session.scalars(select(RealtimeConnection.sid).where(
        RealtimeConnection.namespace == CHAT, RealtimeConnection.customer_id == customer_id)))


def customer_rooms(customer_id: int) -> list[str]:
    """The /chat rooms that carry a customer's news: their profile, their requests and each of
    their conversations (read before an erasure, in the caller's transaction)."""
    conversations = db.session.scalars(select(Conversation.id).where(Conversation.customer_id == customer_id))
    return [realtime.profile_room(customer_id), realtime.requests_room(customer_id),
            *(realtime.conversation_room(c) for c in conversations)]


def end_chat_sockets(sids: list[str], rooms: list[str]) -> None:
    """After an erasure is committed: disconnect the customer's widget sockets and empty their
    rooms, on every process (a socket no row records, such as one that joined a conversation as
    the anonymous visitor the customer was before signing in, hears nothing more either)."""
    realtime.disconnect(sids, namespace=realtime.CHAT)
    realtime.close_rooms(rooms, namespace=realtime.CHAT)


def ended_console_sids(process_key: str) -> list[str]:
    """Called by a process's heartbeat: its console sockets whose sign-in has ended (revoked,
    expired or purged) or whose agent was deactivated. The caller disconnects them."""
    ended = or_(AgentSession.id.is_(None), AgentSession.revoked_at.is_not(None), AgentSession.expires_at <= utcnow(),
                Agent.active.is_(False))
    query = (select(RealtimeConnection.sid)
             .outerjoin(AgentSession, AgentSession.id == RealtimeConnection.agent_session_id)
             .outerjoin(Agent, Agent.id == RealtimeConnection.agent_id)
             .where(RealtimeConnection.process_key == process_key, RealtimeConnection.namespace == CONSOLE, ended))
    return list(db.session.scalars(query))


def heartbeat() -> None:
    """Called by each process's heartbeat task: refresh its sockets' rows (presence.heartbeat),
    then disconnect its widget sockets whose token has expired and its console sockets whose
    sign-in has ended, whatever revoked them (a revocation no message queue carried here)."""
    expired = presence.heartbeat()
    ended = ended_console_sids(presence.PROCESS_KEY)
    db.session.rollback()
    realtime.token_expired(expired)
    realtime.disconnect(ended, namespace=realtime.CONSOLE)
