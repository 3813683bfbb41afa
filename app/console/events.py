"""The /console Socket.IO namespace: authenticated agents only, re-checked on every event."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, disconnect, join_room, leave_room
from flask_wtf.csrf import ValidationError, validate_csrf

from app.auth import current_session_token
from app.guarded_namespace import GuardedNamespace
from app.inbox.events import InboxEvents
from app.realtime_setup import ensure_heartbeat
from app.services.access import auth as auth_service
from app.services.customers import queries
from app.services.errors import NotFoundError
from app.services.platform.realtime import INBOX_ROOM, agent_room, customer_room
from app.tickets.events import TicketEvents

log = logging.getLogger(__name__)


def _same_origin() -> bool:
    # Engine.IO's allow-list includes the shops' origins for the widget; the console accepts
    # only its own origin (or none: a same-origin polling request carries no Origin header).
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


def _customer_id(data) -> int | None:
    """The positive integer `customer_id` of a payload, or None (strings and booleans are refused)."""
    value = data.get("customer_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _refused(code: str, message: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message}}


BAD_CUSTOMER_ID = "Send {\"customer_id\": <integer>}."


class ConsoleNamespace(InboxEvents, TicketEvents, GuardedNamespace):
    """Agents' live channel. The chat's commands and facts are InboxEvents' (app/inbox/events.py),
    the ticket page's TicketEvents' (app/tickets/events.py).

    connect(auth={"csrf_token"}): needs the console session cookie and the page's CSRF token;
        refused otherwise. Joins rooms `agent:{id}` and `inbox`.
    Client → server:
        get_session() → ack {"agent": {"id", "display_name", "role"}}
        watch_customer({"customer_id": int}) → ack {"ok": true}, or {"ok": false, "error": {"code", "message"}}
            (code "invalid" or "not_found"). Joins room `customer:{id}`; repeat after each reconnect.
        unwatch_customer({"customer_id": int}) → ack {"ok": true}: leaves that room.
    Server → client:
        session_revoked {"agent_id"}: this agent's sessions were revoked; the page reloads. The
            sockets of the revoked sessions are then disconnected by the server (services/access/revocation.py).
        customer_updated {"customer_id", "cart_changed"}: to `customer:{id}` after a change is
            committed (events ingested, erasure); watchers fetch the fresh fragments.
        error {"code", "message"}: a command was refused.
    """

    def guard(self, handler):
        # Every event re-checks the server-side session: a sign-out, password change or
        # deactivation ends the socket's rights at its next event.
        def guarded(*args):
            if auth_service.agent_for_session(current_session_token()) is None:
                # Namespace.emit takes room=, not to=.
                self.emit("error", {"code": "unauthorized", "message": "Your session has ended."}, room=request.sid)
                disconnect()
                return None
            return handler(*args)

        return guarded

    def on_connect(self, auth=None):
        """Authenticate the socket: same origin, live session, CSRF token in the auth payload."""
        signed_in = auth_service.live_session(current_session_token())
        token = auth.get("csrf_token") if isinstance(auth, dict) else None
        if signed_in is None or not _same_origin():
            log.info("console socket refused", extra={"reason": "session or origin"})
            raise ConnectionRefusedError("unauthorized")
        try:
            validate_csrf(token)
        except ValidationError:
            log.info("console socket refused", extra={"reason": "csrf"})
            raise ConnectionRefusedError("unauthorized") from None
        agent = signed_in.agent
        join_room(agent_room(agent.id))
        join_room(INBOX_ROOM)  # conversation_created / conversation_updated for the inbox pages
        self.agent_connected(agent, signed_in.id)
        # A revocation committed while this socket was being recorded did not see its row: look
        # again now that the row is there (either that revocation or this check sees the other).
        if auth_service.live_session(current_session_token()) is None:
            self.agent_disconnected()
            raise ConnectionRefusedError("unauthorized")
        ensure_heartbeat(current_app._get_current_object())
        return True

    def on_disconnect(self, *_reason):
        """Forget the socket; its agent may now be offline, and a conversation may have lost a viewer."""
        self.agent_disconnected()

    def on_get_session(self, _data=None):
        """Ack with the signed-in agent, so the page knows who the live channel belongs to."""
        agent = auth_service.agent_for_session(current_session_token())
        return {"agent": {"id": agent.id, "display_name": agent.display_name, "role": agent.role}}

    def on_watch_customer(self, data=None):
        """The customer page or a sidebar panel asks for live updates of one customer: join
        `customer:{id}`, where `customer_updated` arrives. Acks {"ok": true} or an error."""
        customer_id = _customer_id(data)
        if customer_id is None:
            return _refused("invalid", BAD_CUSTOMER_ID)
        try:
            queries.get_customer(customer_id)
        except NotFoundError as exc:
            return _refused(exc.code, exc.message)
        join_room(customer_room(customer_id))
        return {"ok": True}

    def on_unwatch_customer(self, data=None):
        """Stop live updates of one customer (a panel closed): leave `customer:{id}`."""
        customer_id = _customer_id(data)
        if customer_id is None:
            return _refused("invalid", BAD_CUSTOMER_ID)
        leave_room(customer_room(customer_id))
        return {"ok": True}
