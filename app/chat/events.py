"""The /chat Socket.IO namespace: the widget's visitors, authenticated by a signed visitor token."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room

from app.chat import limits, schemas
from app.chat.schemas import acked
from app.guarded_namespace import GuardedNamespace
from app.realtime_setup import ensure_heartbeat, origin_allowed
from app.services.access import visitor_tokens, visitors
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import activity, live_chat, outreach_answers
from app.services.conversations import settings as chat_settings
from app.services.conversations.live_chat import StartRequest
from app.services.conversations.payloads import message_payload, visitor_conversation_payload
from app.services.errors import UnauthorizedError
from app.services.feedback import nps
from app.services.platform import presence
from app.services.platform.realtime import conversation_room, profile_room, requests_room

log = logging.getLogger(__name__)

# The connection's environ lives as long as the socket (Flask-SocketIO builds each event's request
# around it), so the token given at connect is kept there and read again at every event.
TOKEN_KEY = "helpdesk.chat.visitor_token"


def _who(visitor: Visitor) -> str:
    return f"c:{visitor.customer_id}" if visitor.customer_id else f"a:{visitor.anonymous_id}"


def _page(auth: dict, key: str, limit: int) -> str | None:
    value = auth.get(key)
    return value[:limit] if isinstance(value, str) and value else None


class ChatNamespace(GuardedNamespace):
    """The widget's live channel. The protocol, with every payload, is docs/widget-protocol.md.

    connect(auth={"token", "page_url"?, "page_title"?}): refused without a valid, unexpired token
    or from an origin that is neither ours nor allowed. Joins `profile:{id}` (all the visitor's tabs)
    and, for a token verified for a customer, `requests:{id}` (their tickets' news); then asks NPS
    when it is due (services/feedback/nps.py).
    Every command re-reads the token and re-checks ownership of the conversation it names. Acks are
    {"ok": true, ...} or {"ok": false, "error": {"code", "message", "field"?, "retry_after"?}}.
    Client → server: get_status, start_conversation (outreach_decision_id? answers a proactive
        message), leave_message, list_conversations, join_conversation, send_message, typing,
        mark_read, open_outreach {decision_id}.
    Server → client: message_created, conversation_updated, conversation_started, typing, read,
        proactive_message {decision_id, body, author} (an outreach rule reached out),
        survey_requested {survey} (CSAT after a resolved chat; NPS, asked at connect when due),
        survey_answered {survey} (answered in this tab or another: stop asking),
        request_updated {ticket_id, reason} (verified customers: fetch the request again over HTTP),
        error (token expired; the socket is then disconnected).
    """

    def guard(self, handler):
        # Like the console: every command re-checks who the socket is, here from the token.
        @acked
        def guarded(data=None, *_rest):
            visitor = visitor_tokens.read_visitor_token(request.environ.get(TOKEN_KEY))
            return handler(visitor, data)

        return guarded

    def on_connect(self, auth=None):
        """Refuse a foreign origin or a missing, forged or expired token; record the socket."""
        auth = auth if isinstance(auth, dict) else {}
        if not origin_allowed(current_app)(request.headers.get("Origin"), request.environ):
            log.info("chat socket refused", extra={"reason": "origin"})
            raise ConnectionRefusedError("origin not allowed")
        try:
            visitor, expires_at = visitor_tokens.read_visitor_token_expiry(auth.get("token"))
        except UnauthorizedError as exc:
            log.info("chat socket refused", extra={"reason": "token"})
            raise ConnectionRefusedError(exc.message) from None
        request.environ[TOKEN_KEY] = auth["token"]
        profile_id, owned = live_chat.profile_on_site(visitor)
        presence.connect(request.sid, presence.CHAT, customer_id=profile_id, expires_at=expires_at,
                         page_url=_page(auth, "page_url", 2048), page_title=_page(auth, "page_title", 255))
        if owned:
            self._follow_profile(visitor, profile_id)
        ensure_heartbeat(current_app._get_current_object())
        return True

    @staticmethod
    def _follow_profile(visitor: Visitor, profile_id: int) -> None:
        """Join the rooms of the profile the token owns, then ask NPS if it is due: after the joins,
        so that this socket gets the question too."""
        join_room(profile_room(profile_id))
        if visitor.customer_id is not None:  # verified by user_hash: "Your requests" news
            join_room(requests_room(profile_id))
        nps.offer_on_connect(profile_id, sid=request.sid)

    def on_disconnect(self, *_reason):
        """Forget the socket (the visitor left the page, or the connection dropped)."""
        presence.disconnect(request.sid)

    def on_get_status(self, visitor: Visitor, _data=None):
        """Whether an agent is online now, and what the pre-chat form asks this visitor."""
        settings = chat_settings.current()
        profile = live_chat.known_contact(visitor)
        return {"ok": True, "agents_online": presence.agents_online(), "offline_messages": settings.offline_messages,
                "prechat": chat_settings.widget_config(settings, profile)}

    def on_start_conversation(self, visitor: Visitor, data=None):
        """Start a conversation on the visitor's profile (idempotent on client_key) and follow it."""
        payload = schemas.parse(schemas.START_CONVERSATION, data or {})
        limits.check("starts", _who(visitor))
        limits.check("starts_ip", request.remote_addr or "-")
        conversation = live_chat.start_conversation(visitor, StartRequest(**payload))
        join_room(conversation_room(conversation.id))
        return {"ok": True, "conversation": visitor_conversation_payload(conversation)}

    def on_leave_message(self, visitor: Visitor, data=None):
        """Nobody online: keep the visitor's message and email as a conversation for agents."""
        payload = schemas.parse(schemas.LEAVE_MESSAGE, data)
        limits.check("starts", _who(visitor))
        limits.check("starts_ip", request.remote_addr or "-")
        body, email = payload.pop("body"), payload.pop("email")
        conversation = live_chat.start_conversation(
            visitor, StartRequest(**payload, channel="offline_message", contact_email=email), first_message=body)
        join_room(conversation_room(conversation.id))
        return {"ok": True, "conversation": visitor_conversation_payload(conversation)}

    def on_list_conversations(self, visitor: Visitor, _data=None):
        """The visitor's conversations, newest first, with their last public message."""
        return {"ok": True, "conversations": [
            {**visitor_conversation_payload(row.conversation, row.agent_name),
             "last_message": message_payload(row.last_message) if row.last_message else None}
            for row in live_chat.visitor_conversations(visitor)]}

    def on_join_conversation(self, visitor: Visitor, data=None):
        """Follow one of the visitor's conversations and ack what was missed after since_seq."""
        payload = schemas.parse(schemas.JOIN_CONVERSATION, data)
        conversation = live_chat.visitor_conversation(visitor, payload["conversation_id"])
        # Join before reading: a message committed in between arrives twice (clients drop a seq
        # they have) rather than never.
        join_room(conversation_room(conversation.id))
        missed = live_chat.messages_since(conversation, payload["since_seq"], include_internal=False)
        return {"ok": True, "conversation": visitor_conversation_payload(conversation),
                "messages": [message_payload(m) for m in missed]}

    def on_send_message(self, visitor: Visitor, data=None):
        """Store a visitor's message (idempotent on client_msg_id) and ack it."""
        payload = schemas.parse(schemas.SEND_MESSAGE, data)
        limits.check("messages", _who(visitor))
        message = live_chat.send_visitor_message(
            visitor, payload["conversation_id"], payload["client_msg_id"], payload["body"])
        return {"ok": True, "message": message_payload(message)}

    def on_typing(self, visitor: Visitor, data=None):
        """The visitor started or stopped typing: the agents see it."""
        payload = schemas.parse(schemas.TYPING, data)
        limits.check("signals", _who(visitor))
        activity.visitor_typing(visitor, payload["conversation_id"], payload["typing"])
        return {"ok": True}

    def on_open_outreach(self, visitor: Visitor, data=None):
        """The visitor opened the chat showing a proactive message: the rule's report counts it."""
        payload = schemas.parse(schemas.OPEN_OUTREACH, data)
        limits.check("signals", _who(visitor))
        outreach_answers.opened(payload["decision_id"], visitors.owned_profile_id(visitor))
        return {"ok": True}

    def on_mark_read(self, visitor: Visitor, data=None):
        """The visitor has seen the messages up to seq: the agents see "Seen"."""
        payload = schemas.parse(schemas.MARK_READ, data)
        limits.check("signals", _who(visitor))
        activity.visitor_read(visitor, payload["conversation_id"], payload["seq"])
        return {"ok": True}
