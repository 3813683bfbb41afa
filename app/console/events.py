"""The /console Socket.IO namespace: authenticated agents only, re-checked on every event."""

from __future__ import annotations

import logging

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace, disconnect, join_room, leave_room
from flask_wtf.csrf import ValidationError, validate_csrf

from app.auth import current_session_token
from app.services import auth as auth_service
from app.services import customers
from app.services.errors import NotFoundError
from app.services.realtime import agent_room, customer_room

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


class ConsoleNamespace(Namespace):
    """Agents' live channel.

    connect(auth={"csrf_token"}): needs the console session cookie and the page's CSRF token;
        refused otherwise. Joins room `agent:{id}`.
    Client → server:
        get_session() → ack {"agent": {"id", "display_name", "role"}}
        watch_customer({"customer_id": int}) → ack {"ok": true}, or {"ok": false, "error": {"code", "message"}}
            (code "invalid" or "not_found"). Joins room `customer:{id}`; repeat after each reconnect.
        unwatch_customer({"customer_id": int}) → ack {"ok": true}: leaves that room.
    Server → client:
        session_revoked {"agent_id"}: this agent's sessions were revoked; the page reloads.
        customer_updated {"customer_id", "cart_changed"}: to `customer:{id}` after a change is
            committed (events ingested, erasure); watchers fetch the fresh fragments.
        error {"code", "message"}: a command was refused.
    """

    def trigger_event(self, event, *args):
        # Every event re-checks the server-side session: a sign-out, password change or
        # deactivation ends the socket's rights at its next event. The session cookie is only
        # readable inside the request context that Flask-SocketIO builds around the handler
        # (its own trigger_event calls _handle_event the same way), so the check wraps the handler.
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        handler = getattr(self, f"on_{event}", None)
        if handler is None:
            return None
        return self.socketio._handle_event(self._signed_in_only(handler), event, self.namespace, *args)

    def _signed_in_only(self, handler):
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
        agent = auth_service.agent_for_session(current_session_token())
        token = auth.get("csrf_token") if isinstance(auth, dict) else None
        if agent is None or not _same_origin():
            log.info("console socket refused", extra={"reason": "session or origin"})
            raise ConnectionRefusedError("unauthorized")
        try:
            validate_csrf(token)
        except ValidationError:
            log.info("console socket refused", extra={"reason": "csrf"})
            raise ConnectionRefusedError("unauthorized") from None
        join_room(agent_room(agent.id))
        return True

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
            customers.get_customer(customer_id)
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
