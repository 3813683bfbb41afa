"""The /chat Socket.IO namespace: the widget's visitors, authenticated by a signed visitor token."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room

from app.chat import schemas
from app.chat.schemas import acked
from app.guarded_namespace import GuardedNamespace
from app.realtime_setup import origin_allowed
from app.services import conversations, visitor_tokens
from app.services.errors import UnauthorizedError
from app.services.realtime import conversation_room
from app.services.visitor_tokens import Visitor

log = logging.getLogger(__name__)

# The connection's environ lives as long as the socket (Flask-SocketIO builds each event's request
# around it), so the token given at connect is kept there and read again at every event.
TOKEN_KEY = "helpdesk.chat.visitor_token"


class ChatNamespace(GuardedNamespace):
    """The widget's live channel (protocol: docs/widget-protocol.md).

    connect(auth={"token"}): a visitor token from POST /api/v1/widget/session; refused without a
    valid, unexpired one, or from an origin that is neither ours nor in HELPDESK_ALLOWED_ORIGINS.
    Every command re-reads the token (expiry included) and re-checks ownership of the conversation.
    Acks are {"ok": true, ...} or {"ok": false, "error": {"code", "message"}} with code
    invalid, too_long, not_found, unauthorized or internal.
    Client → server:
        start_conversation() → ack {"ok", "conversation": {"id", "status", "last_seq", "created_at"}};
            joins room `conversation:{id}`.
        join_conversation({"conversation_id", "since_seq"}) → ack {"ok", "conversation", "messages": [...]}
            (public messages with seq > since_seq, in order); joins room `conversation:{id}`.
        send_message({"conversation_id", "client_msg_id", "body"}) → ack {"ok", "message"}; a resend
            with the same client_msg_id acks the stored message and stores nothing.
    Server → client:
        message_created {message}: to `conversation:{id}` after the commit; never internal notes.
    """

    def guard(self, handler):
        # Like the console: every command re-checks who the socket is, here from the token.
        @acked
        def guarded(data=None, *_rest):
            visitor = visitor_tokens.read_visitor_token(request.environ.get(TOKEN_KEY))
            return handler(visitor, data)

        return guarded

    def on_connect(self, auth=None):
        """Refuse a foreign origin or a missing, forged or expired token; keep the token."""
        token = auth.get("token") if isinstance(auth, dict) else None
        if not origin_allowed(current_app)(request.headers.get("Origin"), request.environ):
            log.info("chat socket refused", extra={"reason": "origin"})
            raise ConnectionRefusedError("origin not allowed")
        try:
            visitor_tokens.read_visitor_token(token)
        except UnauthorizedError as exc:
            log.info("chat socket refused", extra={"reason": "token"})
            raise ConnectionRefusedError(exc.message) from None
        request.environ[TOKEN_KEY] = token
        return True

    def on_start_conversation(self, visitor: Visitor, _data=None):
        """Start a conversation on the visitor's profile and follow it."""
        conversation = conversations.start_conversation(visitor)
        join_room(conversation_room(conversation.id))
        return {"ok": True, "conversation": conversations.conversation_payload(conversation)}

    def on_join_conversation(self, visitor: Visitor, data=None):
        """Follow one of the visitor's conversations and ack what was missed after since_seq."""
        payload = schemas.parse(schemas.JOIN_CONVERSATION, data)
        conversation = conversations.visitor_conversation(visitor, payload["conversation_id"])
        # Join before reading: a message committed in between arrives twice (clients drop a seq
        # they have) rather than never.
        join_room(conversation_room(conversation.id))
        missed = conversations.messages_since(conversation, payload["since_seq"], include_internal=False)
        return {"ok": True, "conversation": conversations.conversation_payload(conversation),
                "messages": [conversations.message_payload(m) for m in missed]}

    def on_send_message(self, visitor: Visitor, data=None):
        """Store a visitor's message (idempotent on client_msg_id) and ack it."""
        payload = schemas.parse(schemas.SEND_MESSAGE, data)
        message = conversations.send_visitor_message(
            visitor, payload["conversation_id"], payload["client_msg_id"], payload["body"])
        return {"ok": True, "message": conversations.message_payload(message)}
