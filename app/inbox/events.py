"""The chat's commands on the /console namespace (mixed into ConsoleNamespace): follow and answer
conversations, typing, receipts, assignment, presence, visitors on the site."""

from __future__ import annotations

from flask import request
from flask_socketio import join_room, leave_room

from app.auth import current_session_token
from app.chat import schemas
from app.chat.schemas import acked
from app.services.access import auth as auth_service
from app.services.conversations import activity, assignment, live_chat
from app.services.conversations.payloads import conversation_payload, message_payload
from app.services.platform import presence, realtime
from app.services.platform.realtime import VISITORS_ROOM, conversation_agents_room, conversation_room
from app.services.tickets import collision


def _agent():
    # The guard has just checked the session; this reads the agent it belongs to.
    return auth_service.agent_for_session(current_session_token())


class InboxEvents:
    """Client → server (each acks {"ok": true, ...} or {"ok": false, "error": {"code", "message"}}):
        join_conversation({"conversation_id", "since_seq"}) → {"conversation", "messages", "viewers"}:
            every message after since_seq, internal notes included; joins `conversation:{id}` and
            `conversation:{id}:agents`, and counts this console as viewing it.
        leave_conversation({"conversation_id"}): leaves both rooms; no longer viewing.
        send_message({"conversation_id", "client_msg_id", "body", "internal"}) → {"message"};
            idempotent on client_msg_id; internal: true is a note only agents see.
        typing({"conversation_id", "typing", "internal"}), mark_read({"conversation_id", "seq"}).
        assign({"conversation_id", "agent_id"}) → {"conversation"}: claim (one's own id),
            transfer (another agent's) or unassign (null).
        set_presence({"presence"}) → {"presence"}: online, away or offline.
        watch_visitors() / unwatch_visitors(): join or leave `visitors` (visitors_changed).
        reach_out({"customer_id", "client_key", "body"}) → {"conversation"}: open a chat with a
            visitor on the site.
    Server → client: message_created, conversation_created, conversation_updated,
        conversation_assigned (to the agents concerned), conversation_activity (badges), typing,
        read, viewers_changed, presence_changed, visitors_changed.
    """

    def agent_connected(self, agent, session_id: int) -> None:
        """Called by the namespace's connect: the socket counts for the agent's presence, recorded
        with the sign-in it belongs to (a revocation disconnects exactly its sockets)."""
        assignment.console_opened(agent, request.sid, session_id)

    def agent_disconnected(self) -> None:
        """Called by the namespace's disconnect."""
        conversation_id, ticket_id = assignment.console_closed(request.sid)
        announce_viewer_left(conversation_id)
        collision.left(ticket_id)

    @acked
    def on_join_conversation(self, data=None):
        """Follow a conversation: join its two agent-side rooms, ack what came after since_seq."""
        agent = _agent()
        payload = schemas.parse(schemas.JOIN_CONVERSATION, data)
        conversation = live_chat.agent_conversation(agent, payload["conversation_id"])
        # Join before reading: a message committed in between arrives twice rather than never.
        join_room(conversation_room(conversation.id))
        join_room(conversation_agents_room(conversation.id))
        missed = live_chat.messages_since(conversation, payload["since_seq"], include_internal=True)
        answer = {"ok": True, "conversation": conversation_payload(conversation),
                  "messages": [message_payload(m) for m in missed]}
        answer["viewers"] = activity.view(agent, request.sid, conversation.id)
        return answer

    @acked
    def on_leave_conversation(self, data=None):
        """Stop following a conversation (the page closed or moved on)."""
        payload = schemas.parse(schemas.CONVERSATION, data)
        leave_room(conversation_room(payload["conversation_id"]))
        leave_room(conversation_agents_room(payload["conversation_id"]))
        activity.view(_agent(), request.sid, None)
        return {"ok": True}

    @acked
    def on_send_message(self, data=None):
        """An agent's reply or internal note, stored (idempotent on client_msg_id) and acked."""
        payload = schemas.parse(schemas.AGENT_SEND_MESSAGE, data)
        message = live_chat.send_agent_message(_agent(), payload["conversation_id"], payload["client_msg_id"],
                                                   payload["body"], internal=payload["internal"])
        return {"ok": True, "message": message_payload(message)}

    @acked
    def on_typing(self, data=None):
        """The agent started or stopped typing: the visitor (unless a note) and the other agents see it."""
        payload = schemas.parse(schemas.TYPING, data)
        activity.agent_typing(_agent(), payload["conversation_id"], payload["typing"],
                                   internal=payload["internal"])
        return {"ok": True}

    @acked
    def on_mark_read(self, data=None):
        """The agent has the conversation on screen up to seq: the visitor sees "Seen"."""
        payload = schemas.parse(schemas.MARK_READ, data)
        activity.agent_read(_agent(), payload["conversation_id"], payload["seq"])
        return {"ok": True}

    @acked
    def on_assign(self, data=None):
        """Claim, transfer or unassign a conversation."""
        payload = schemas.parse(schemas.ASSIGN, data)
        conversation = assignment.reassign(payload["conversation_id"], payload["agent_id"], by=_agent())
        return {"ok": True, "conversation": conversation_payload(conversation)}

    @acked
    def on_set_presence(self, data=None):
        """Online, away or offline: who gets new chats, and what the team sees."""
        payload = schemas.parse(schemas.SET_PRESENCE, data)
        return {"ok": True, "presence": assignment.change_presence(_agent(), payload["presence"])}

    @acked
    def on_watch_visitors(self, _data=None):
        """The visitors-on-site list is open: visitors_changed arrives when someone comes or goes."""
        join_room(VISITORS_ROOM)
        return {"ok": True}

    @acked
    def on_unwatch_visitors(self, _data=None):
        leave_room(VISITORS_ROOM)
        return {"ok": True}

    @acked
    def on_reach_out(self, data=None):
        """Open a chat with a visitor on the site, with the agent's first message."""
        payload = schemas.parse(schemas.REACH_OUT, data)
        conversation = activity.reach_out(_agent(), payload["customer_id"], payload["body"], payload["client_key"])
        return {"ok": True, "conversation": conversation_payload(conversation)}


def announce_viewer_left(conversation_id: int | None) -> None:
    """After a console closed: the agents of the conversation it showed see one viewer fewer."""
    if conversation_id is not None:
        realtime.viewers_changed(conversation_id, presence.viewers(conversation_id))
