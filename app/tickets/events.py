"""The ticket page's commands on the /console namespace (mixed into ConsoleNamespace): who else
has a ticket open and who is writing in it."""

from __future__ import annotations

from flask import request
from flask_socketio import join_room, leave_room

from app.auth import current_session_token
from app.chat import schemas
from app.chat.schemas import acked
from app.services.access import auth as auth_service
from app.services.platform.realtime import ticket_room
from app.services.tickets import collision


class TicketEvents:
    """Client → server (each acks {"ok": true, ...} or {"ok": false, "error": {"code", "message"}}):
        open_ticket({"ticket_id"}) → {"viewers"}: joins `ticket:{id}` and counts this console as
            showing the ticket; repeat after each reconnect.
        close_ticket({"ticket_id"}): leaves the room; no longer showing it.
        ticket_typing({"ticket_id", "typing", "internal"}): writing a reply (or a note) or stopped.
    Server → client, to `ticket:{id}`: ticket_viewers_changed {"ticket_id", "viewers"},
        ticket_typing {"ticket_id", "agent_id", "agent_name", "typing", "internal"}.
    Changes to the ticket itself arrive as ticket_updated to every console (the `inbox` room).
    """

    @acked
    def on_open_ticket(self, data=None):
        payload = schemas.parse(schemas.TICKET, data)
        viewers = collision.view(request.sid, payload["ticket_id"])
        join_room(ticket_room(payload["ticket_id"]))
        return {"ok": True, "viewers": viewers}

    @acked
    def on_close_ticket(self, data=None):
        payload = schemas.parse(schemas.TICKET, data)
        leave_room(ticket_room(payload["ticket_id"]))
        collision.view(request.sid, None)
        return {"ok": True}

    @acked
    def on_ticket_typing(self, data=None):
        payload = schemas.parse(schemas.TICKET_TYPING, data)
        agent = auth_service.agent_for_session(current_session_token())
        collision.typing(agent, payload["ticket_id"], payload["typing"], internal=payload["internal"])
        return {"ok": True}
