"""The /console Socket.IO namespace: authenticated agents only, re-checked on every event."""

from __future__ import annotations

import logging

from flask import request
from flask_socketio import ConnectionRefusedError, disconnect, join_room, leave_room
from flask_wtf.csrf import ValidationError, validate_csrf

from app.auth import current_session_token
from app.chat import schemas as chat_schemas
from app.chat.schemas import acked
from app.guarded_namespace import GuardedNamespace
from app.services import auth as auth_service
from app.services import conversations, customers
from app.services.errors import NotFoundError
from app.services.realtime import INBOX_ROOM, agent_room, conversation_agents_room, conversation_room, customer_room

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


class ConsoleNamespace(GuardedNamespace):
    """Agents' live channel.

    connect(auth={"csrf_token"}): needs the console session cookie and the page's CSRF token;
        refused otherwise. Joins rooms `agent:{id}` and `inbox`.
    Client → server:
        get_session() → ack {"agent": {"id", "display_name", "role"}}
        watch_customer({"customer_id": int}) → ack {"ok": true}, or {"ok": false, "error": {"code", "message"}}
            (code "invalid" or "not_found"). Joins room `customer:{id}`; repeat after each reconnect.
        unwatch_customer({"customer_id": int}) → ack {"ok": true}: leaves that room.
        join_conversation({"conversation_id", "since_seq"}) → ack {"ok", "conversation", "messages"}
            (every message after since_seq, internal notes included); joins `conversation:{id}`
            (public messages) and `conversation:{id}:agents` (internal notes). Any active agent.
        send_message({"conversation_id", "client_msg_id", "body", "internal": false}) → ack
            {"ok", "message"}; idempotent on client_msg_id. internal: true makes a note that only
            agents see. Chat acks' errors: {"ok": false, "error": {"code", "message"}}.
    Server → client:
        session_revoked {"agent_id"}: this agent's sessions were revoked; the page reloads.
        customer_updated {"customer_id", "cart_changed"}: to `customer:{id}` after a change is
            committed (events ingested, erasure); watchers fetch the fresh fragments.
        message_created {message}: to `conversation:{id}` (public) or `conversation:{id}:agents`
            (internal notes) after the commit; a console socket gets each message once.
        conversation_created {conversation}: to `inbox` after a visitor's conversation is committed.
        conversation_updated {conversation}: to `inbox` after a status change is committed.
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
        join_room(INBOX_ROOM)  # conversation_created / conversation_updated for the inbox pages
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

    @acked
    def on_join_conversation(self, data=None):
        """Follow a conversation: join its two agent-side rooms, ack what came after since_seq."""
        agent = auth_service.agent_for_session(current_session_token())
        payload = chat_schemas.parse(chat_schemas.JOIN_CONVERSATION, data)
        conversation = conversations.agent_conversation(agent, payload["conversation_id"])
        # Join before reading: a message committed in between arrives twice rather than never.
        join_room(conversation_room(conversation.id))
        join_room(conversation_agents_room(conversation.id))
        missed = conversations.messages_since(conversation, payload["since_seq"], include_internal=True)
        return {"ok": True, "conversation": conversations.conversation_payload(conversation),
                "messages": [conversations.message_payload(m) for m in missed]}

    @acked
    def on_send_message(self, data=None):
        """An agent's reply or internal note, stored (idempotent on client_msg_id) and acked."""
        agent = auth_service.agent_for_session(current_session_token())
        payload = chat_schemas.parse(chat_schemas.AGENT_SEND_MESSAGE, data)
        message = conversations.send_agent_message(
            agent, payload["conversation_id"], payload["client_msg_id"], payload["body"], internal=payload["internal"])
        return {"ok": True, "message": conversations.message_payload(message)}
