"""The one place that emits Socket.IO events, always after the commit that they announce."""

from __future__ import annotations

import logging

from app.extensions import socketio

log = logging.getLogger(__name__)

CONSOLE = "/console"


def agent_room(agent_id: int) -> str:
    """Every console socket of one agent joins this room."""
    return f"agent:{agent_id}"


def emit(event: str, payload: dict, *, room: str, namespace: str) -> None:
    """Fan an event out to a room, on this process or across processes through Redis.

    A failed emit is logged and swallowed: the data is already committed, and clients
    resynchronise from the database when they reconnect.
    """
    try:
        socketio.emit(event, payload, to=room, namespace=namespace)
    except Exception:  # the message queue may be down; never fail the use case for it
        log.exception("realtime emit failed", extra={"event": event, "room": room})


def disconnect(sids: list[str], *, namespace: str) -> None:
    """Close sockets whose rights ended (revocation.py), on whichever process holds them: a sid this
    process does not hold goes through the message queue. Logged and swallowed like emit: the
    socket is also refused at its next command, and its process's heartbeat sweeps it."""
    for sid in sids:
        try:
            socketio.server.disconnect(sid, namespace=namespace)
        except Exception:  # the message queue may be down
            log.exception("realtime disconnect failed", extra={"namespace": namespace})


def token_expired(sids: list[str]) -> None:
    """Widget sockets whose visitor token has expired: told why (`error` unauthorized), then
    disconnected; the widget asks for a new token and connects again."""
    for sid in sids:
        emit("error", {"code": "unauthorized", "message": "The visitor token has expired."}, room=sid, namespace=CHAT)
    disconnect(sids, namespace=CHAT)


def close_rooms(rooms: list[str], *, namespace: str) -> None:
    """Empty rooms on every process (close_room goes through the message queue): a socket that
    joined one before its rights ended hears nothing more there, even one no row records."""
    for room in rooms:
        try:
            socketio.close_room(room, namespace=namespace)
        except Exception:  # the message queue may be down
            log.exception("realtime close_room failed", extra={"room": room})


def session_revoked(agent_id: int) -> None:
    """Tell an agent's open consoles that their sessions were revoked (deactivation, password)."""
    emit("session_revoked", {"agent_id": agent_id}, room=agent_room(agent_id), namespace=CONSOLE)


def customer_room(customer_id: int) -> str:
    """Consoles showing one customer (profile page, chat or ticket sidebar) join this room."""
    return f"customer:{customer_id}"


def customer_updated(customer_id: int, *, cart_changed: bool) -> None:
    """A customer's profile, stage or cart changed: watching consoles refresh their panels."""
    emit("customer_updated", {"customer_id": customer_id, "cart_changed": cart_changed},
         room=customer_room(customer_id), namespace=CONSOLE)


CHAT = "/chat"


def conversation_room(conversation_id: int) -> str:
    """Sockets following one conversation: the visitor's on /chat, agents' on /console."""
    return f"conversation:{conversation_id}"


def conversation_agents_room(conversation_id: int) -> str:
    """Agents only (on /console): internal notes go here and nowhere else."""
    return f"conversation:{conversation_id}:agents"


def message_created(payload: dict, *, internal: bool) -> None:
    """A message was committed. A public one goes to `conversation:{id}` on /chat and on /console;
    an internal note only to `conversation:{id}:agents` on /console. Each console socket of a
    conversation is in both rooms and gets each message once."""
    conversation_id = payload["conversation_id"]
    if internal:
        emit("message_created", payload, room=conversation_agents_room(conversation_id), namespace=CONSOLE)
        return
    emit("message_created", payload, room=conversation_room(conversation_id), namespace=CHAT)
    emit("message_created", payload, room=conversation_room(conversation_id), namespace=CONSOLE)


# --- Inbox ----------------------------------------------------------------------------------

INBOX_ROOM = "inbox"  # every console socket joins it on connect: the inbox lists refresh from it


def conversation_created(payload: dict) -> None:
    """A visitor started a conversation (committed): inbox lists on /console refresh."""
    emit("conversation_created", payload, room=INBOX_ROOM, namespace=CONSOLE)


def conversation_updated(payload: dict) -> None:
    """A conversation's status or assignee changed (committed): inbox lists and open conversation
    pages refresh."""
    emit("conversation_updated", payload, room=INBOX_ROOM, namespace=CONSOLE)


def conversation_assigned(payload: dict, previous_assignee: int | None) -> None:
    """A conversation changed hands: its new assignee's consoles (a notification) and the old one's."""
    for agent_id in {payload.get("assignee_id"), previous_assignee} - {None}:
        emit("conversation_assigned", payload, room=agent_room(agent_id), namespace=CONSOLE)


def conversation_activity(payload: dict) -> None:
    """A message in a conversation changed its unread count or excerpt: to its assignee's consoles,
    or to every console while nobody has it (title badge, inbox line, desktop notification).
    Not to everyone for every message: with hundreds of chats that fan-out would cost more than
    the messages themselves."""
    assignee = payload.get("assignee_id")
    room = agent_room(assignee) if assignee else INBOX_ROOM
    emit("conversation_activity", payload, room=room, namespace=CONSOLE)


def presence_changed(payload: dict) -> None:
    """An agent went online, away or offline: every console (the transfer list, the team's status)."""
    emit("presence_changed", payload, room=INBOX_ROOM, namespace=CONSOLE)


VISITORS_ROOM = "visitors"  # consoles showing the visitors-on-site list


def visitors_changed() -> None:
    """A visitor's widget connected or went away: the visitors-on-site lists refresh."""
    emit("visitors_changed", {}, room=VISITORS_ROOM, namespace=CONSOLE)


def viewers_changed(conversation_id: int, viewers: list[dict]) -> None:
    """Who is looking at a conversation now (collision detection): to its agents."""
    emit("viewers_changed", {"conversation_id": conversation_id, "viewers": viewers},
         room=conversation_agents_room(conversation_id), namespace=CONSOLE)


def typing(conversation_id: int, payload: dict, *, to_visitor: bool) -> None:
    """Someone is typing (or stopped): always to the conversation's agents, and to the visitor's
    widget when an agent types. Not stored."""
    emit("typing", payload, room=conversation_agents_room(conversation_id), namespace=CONSOLE)
    if to_visitor:
        emit("typing", payload, room=conversation_room(conversation_id), namespace=CHAT)


def read(conversation_id: int, payload: dict) -> None:
    """A side read up to a seq ("seen" receipts): to both sides of the conversation."""
    emit("read", payload, room=conversation_room(conversation_id), namespace=CHAT)
    emit("read", payload, room=conversation_agents_room(conversation_id), namespace=CONSOLE)


def profile_room(customer_id: int) -> str:
    """Every widget socket of one visitor profile (on /chat): their conversation list and
    proactive chats reach all of their tabs."""
    return f"profile:{customer_id}"


def visitor_conversation_updated(payload: dict) -> None:
    """The visitor-side state of a conversation changed (status, who answers): to its widget room."""
    emit("conversation_updated", payload, room=conversation_room(payload["id"]), namespace=CHAT)


def visitor_conversation_started(customer_id: int, payload: dict) -> None:
    """A conversation began for this visitor (another tab, or an agent reaching out): to every
    widget socket of the profile, which joins it and shows it."""
    emit("conversation_started", payload, room=profile_room(customer_id), namespace=CHAT)


def ticket_room(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def ticket_viewers_changed(ticket_id: int, viewers: list[dict]) -> None:
    """Who has a ticket open now (collision detection): to the consoles showing it."""
    emit("ticket_viewers_changed", {"ticket_id": ticket_id, "viewers": viewers}, room=ticket_room(ticket_id),
         namespace=CONSOLE)


def ticket_typing(ticket_id: int, payload: dict) -> None:
    """An agent started or stopped writing in a ticket's composer: to the consoles showing it. Not stored."""
    emit("ticket_typing", payload, room=ticket_room(ticket_id), namespace=CONSOLE)


def ticket_changed(payload: dict, *, created: bool = False) -> None:
    """A ticket was created or changed (committed): ticket lists and open ticket pages refresh."""
    emit("ticket_created" if created else "ticket_updated", payload, room=INBOX_ROOM, namespace=CONSOLE)


def requests_room(customer_id: int) -> str:
    """Widget sockets (on /chat) whose token was verified for this customer (the shop's user_hash):
    "Your requests". Never joined by an anonymous token, so ticket news cannot reach one."""
    return f"requests:{customer_id}"


def request_updated(customer_id: int, ticket_id: int, reason: str) -> None:
    """Something the customer can see in a ticket changed (committed): a new ticket, a public reply
    (reason "agent_reply" or "customer_reply") or its status. Only ids: open widgets fetch the
    request again over HTTP, with their token."""
    emit("request_updated", {"ticket_id": ticket_id, "reason": reason}, room=requests_room(customer_id),
         namespace=CHAT)


def proactive_message(customer_id: int, payload: dict) -> None:
    """An outreach rule reached out to a visitor on the site (committed): every tab of their widget
    shows the message as a popup over the launcher; answering it starts the conversation."""
    emit("proactive_message", payload, room=profile_room(customer_id), namespace=CHAT)


def outreach_alert(payload: dict) -> None:
    """An outreach rule flagged a visitor to agents ("hot lead: cart of 240 EUR idle on checkout"):
    every console."""
    emit("outreach_alert", payload, room=INBOX_ROOM, namespace=CONSOLE)


def survey_answered(payload: dict) -> None:
    """A customer answered a survey (committed): the consoles showing that conversation or ticket,
    and the other tabs of the customer's widget (which stop asking): for NPS, every tab of theirs."""
    if payload.get("conversation_id"):
        emit("survey_answered", payload, room=conversation_agents_room(payload["conversation_id"]), namespace=CONSOLE)
        emit("survey_answered", payload, room=conversation_room(payload["conversation_id"]), namespace=CHAT)
    if payload.get("ticket_id"):
        emit("survey_answered", payload, room=ticket_room(payload["ticket_id"]), namespace=CONSOLE)
    if payload.get("kind") == "nps":  # asked of the visitor, not about a chat: every tab of theirs
        emit("survey_answered", payload, room=profile_room(payload["customer_id"]), namespace=CHAT)


def survey_requested(payload: dict) -> None:
    """A resolved chat asks its visitor for CSAT (committed): the widget shows the question."""
    emit("survey_requested", payload, room=conversation_room(payload["conversation_id"]), namespace=CHAT)


def nps_requested(customer_id: int, payload: dict, *, sid: str | None = None) -> None:
    """A visitor on the site is asked NPS (committed): every tab of theirs shows the question over
    the launcher; or only the socket `sid` that just connected, when a question asked earlier in
    the visit and not answered yet follows them to another page."""
    emit("survey_requested", payload, room=sid or profile_room(customer_id), namespace=CHAT)
