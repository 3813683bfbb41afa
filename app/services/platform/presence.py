"""Who is connected now: agents' consoles (and the presence they chose) and visitors on the shop's
site, kept as rows of realtime_connections that each process refreshes on a heartbeat."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import PRESENCES, Agent, Cart, Customer, RealtimeConnection
from app.models.base import utcnow
from app.services.errors import DomainError
from app.services.platform import realtime

CONSOLE, CHAT = "console", "chat"
HEARTBEAT_SECONDS = 20
LIVE_SECONDS = 60  # a row not refreshed for this long belongs to a process that died
PURGE_SECONDS = 600
VISITORS_LIMIT = 200

# This process's name on its rows: a process that dies leaves rows that stop being refreshed.
PROCESS_KEY = secrets.token_hex(8)


@dataclass(frozen=True)
class OnlineVisitor:
    """A visitor on the site now, for the console's list: their profile and where they are."""

    customer: Customer
    cart_total: object  # Decimal or None
    cart_currency: str | None
    page_url: str | None
    page_title: str | None
    connected_at: datetime  # this page's socket
    on_site_since: datetime  # the oldest of the visitor's open sockets
    tabs: int


def live_after() -> datetime:
    return utcnow() - timedelta(seconds=LIVE_SECONDS)


def connect(sid: str, namespace: str, *, agent_id: int | None = None, agent_session_id: int | None = None,
            customer_id: int | None = None, page_url: str | None = None, page_title: str | None = None,
            expires_at: datetime | None = None) -> None:
    """Called by the namespaces' connect: record the socket (one commit)."""
    now = utcnow()
    db.session.add(RealtimeConnection(
        sid=sid, namespace=namespace, process_key=PROCESS_KEY, agent_id=agent_id, agent_session_id=agent_session_id,
        customer_id=customer_id,
        page_url=(page_url or None) and page_url[:2048], page_title=(page_title or None) and page_title[:255],
        connected_at=now, seen_at=now, expires_at=expires_at))
    db.session.commit()
    if customer_id is not None:
        realtime.visitors_changed()


def disconnect(sid: str) -> RealtimeConnection | None:
    """Called by the namespaces' disconnect: forget the socket (one commit) and return what it was,
    so the caller can announce what changed (a viewer left, an agent went offline)."""
    row = db.session.scalar(select(RealtimeConnection).where(RealtimeConnection.sid == sid))
    if row is None:
        db.session.rollback()
        return None
    db.session.delete(row)
    db.session.commit()
    if row.customer_id is not None:
        realtime.visitors_changed()
    return row


def heartbeat() -> list[str]:
    """Called by each process's heartbeat task: refresh this process's rows, purge rows nobody has
    refreshed for a long time, and return the sids of visitor sockets whose token has expired
    (the caller disconnects them). One commit."""
    now = utcnow()
    db.session.execute(update(RealtimeConnection).where(RealtimeConnection.process_key == PROCESS_KEY)
                       .values(seen_at=now))
    db.session.execute(delete(RealtimeConnection).where(
        RealtimeConnection.seen_at < now - timedelta(seconds=PURGE_SECONDS)))
    expired = list(db.session.scalars(select(RealtimeConnection.sid).where(
        RealtimeConnection.process_key == PROCESS_KEY, RealtimeConnection.expires_at < now)))
    db.session.commit()
    return expired


def set_presence(agent: Agent, presence: str) -> str:
    """Store what an agent chose: online, away or offline (one commit), then `presence_changed`
    to every console."""
    if presence not in PRESENCES:
        raise DomainError(f"presence must be one of {', '.join(PRESENCES)}.", field="presence")
    row = db.session.get(Agent, agent.id)
    row.presence, row.presence_changed_at = presence, utcnow()
    db.session.commit()
    realtime.presence_changed({"agent_id": row.id, "presence": effective_presence(row)})
    return presence


def _live_console_agents():
    """Agent ids with at least one live console socket, as a subquery."""
    return (select(RealtimeConnection.agent_id)
            .where(RealtimeConnection.namespace == CONSOLE, RealtimeConnection.seen_at >= live_after())
            .distinct())


def effective_presence(agent: Agent) -> str:
    """What other agents see: the chosen presence while a console is open, offline otherwise."""
    live = db.session.scalar(select(func.count()).select_from(RealtimeConnection).where(
        RealtimeConnection.agent_id == agent.id, RealtimeConnection.namespace == CONSOLE,
        RealtimeConnection.seen_at >= live_after()))
    return agent.presence if live else "offline"


def online_agent_ids() -> list[int]:
    """Active agents who chose online and have a console open: the ones new chats can go to."""
    return list(db.session.scalars(select(Agent.id).where(
        Agent.active.is_(True), Agent.presence == "online", Agent.id.in_(_live_console_agents()))))


def agents_online() -> bool:
    """Whether anyone can answer a chat now (the widget offers to leave a message otherwise)."""
    return bool(online_agent_ids())


@dataclass(frozen=True)
class TeamMember:
    """An active agent as assignment lists show them."""

    id: int
    display_name: str
    presence: str  # effective: offline without an open console


def team() -> list[TeamMember]:
    """Every active agent by name, with their effective presence (who a chat or ticket can go to)."""
    states = team_presence()
    return [TeamMember(a.id, a.display_name, states.get(a.id, "offline")) for a in db.session.scalars(
        select(Agent).where(Agent.active.is_(True)).order_by(Agent.display_name))]


def team_presence() -> dict[int, str]:
    """Every active agent's effective presence, for the console's agent lists."""
    live = set(db.session.scalars(_live_console_agents()))
    return {agent_id: (presence if agent_id in live else "offline") for agent_id, presence in db.session.execute(
        select(Agent.id, Agent.presence).where(Agent.active.is_(True)))}


def set_viewing(sid: str, conversation_id: int | None) -> int | None:
    """A console socket now shows this conversation (or none). Returns the conversation it showed
    before, whose viewers changed too. One commit."""
    row = db.session.scalar(select(RealtimeConnection).where(RealtimeConnection.sid == sid))
    if row is None:
        db.session.rollback()
        return None
    before, row.viewing_conversation_id = row.viewing_conversation_id, conversation_id
    db.session.commit()
    return before


def set_viewing_ticket(sid: str, ticket_id: int | None) -> int | None:
    """A console socket now shows this ticket (or none). Returns the ticket it showed before. One commit."""
    row = db.session.scalar(select(RealtimeConnection).where(RealtimeConnection.sid == sid))
    if row is None:
        db.session.rollback()
        return None
    before, row.viewing_ticket_id = row.viewing_ticket_id, ticket_id
    db.session.commit()
    return before


def ticket_viewers(ticket_id: int) -> list[dict]:
    """The agents whose consoles show this ticket now: [{"id", "display_name"}]."""
    return _viewers(RealtimeConnection.viewing_ticket_id == ticket_id)


def viewers(conversation_id: int) -> list[dict]:
    """The agents whose consoles show this conversation now: [{"id", "display_name"}]."""
    return _viewers(RealtimeConnection.viewing_conversation_id == conversation_id)


def _viewers(showing) -> list[dict]:
    rows = db.session.execute(
        select(Agent.id, Agent.display_name).join(RealtimeConnection, RealtimeConnection.agent_id == Agent.id)
        .where(showing, RealtimeConnection.seen_at >= live_after())
        .group_by(Agent.id, Agent.display_name).order_by(Agent.display_name))
    return [{"id": agent_id, "display_name": name} for agent_id, name in rows]


def visitors_online(limit: int = VISITORS_LIMIT) -> list[OnlineVisitor]:
    """Visitors with the widget open on the shop's site now, newest page first: one line per
    visitor, showing their latest page."""
    live = (select(RealtimeConnection.customer_id, func.max(RealtimeConnection.id).label("latest"),
                   func.min(RealtimeConnection.connected_at).label("since"), func.count().label("tabs"))
            .where(RealtimeConnection.namespace == CHAT, RealtimeConnection.customer_id.is_not(None),
                   RealtimeConnection.seen_at >= live_after())
            .group_by(RealtimeConnection.customer_id).subquery())
    rows = db.session.execute(
        select(Customer, Cart.total, Cart.currency, RealtimeConnection, live.c.since, live.c.tabs)
        .join(live, live.c.customer_id == Customer.id)
        .join(RealtimeConnection, RealtimeConnection.id == live.c.latest)
        .outerjoin(Cart, Cart.customer_id == Customer.id)
        .where(Customer.erased_at.is_(None))
        .order_by(RealtimeConnection.connected_at.desc()).limit(limit))
    return [OnlineVisitor(customer=c, cart_total=total, cart_currency=currency, page_url=conn.page_url,
                          page_title=conn.page_title, connected_at=conn.connected_at, on_site_since=since, tabs=tabs)
            for c, total, currency, conn, since, tabs in rows]


def live_visitor_sids(customer_id: int) -> list[str]:
    """The open widget sockets of one visitor (a proactive chat is offered on each)."""
    return list(db.session.scalars(select(RealtimeConnection.sid).where(
        RealtimeConnection.namespace == CHAT, RealtimeConnection.customer_id == customer_id,
        RealtimeConnection.seen_at >= live_after())))
