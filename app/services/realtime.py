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
