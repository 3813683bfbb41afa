"""Collision detection on tickets: which agents have a ticket open, and who is writing in it."""

from __future__ import annotations

from app.models import Agent
from app.services.platform import presence, realtime
from app.services.tickets import intake


def view(sid: str, ticket_id: int | None) -> list[dict]:
    """A console socket now shows this ticket (None: no ticket). Tells the consoles showing both
    the old and the new ticket who is there now; returns the viewers of the new one."""
    if ticket_id is not None:
        intake.get_ticket(ticket_id)  # NotFoundError for a ticket that does not exist
    before = presence.set_viewing_ticket(sid, ticket_id)
    if before is not None and before != ticket_id:
        left(before)
    if ticket_id is None:
        return []
    viewers = presence.ticket_viewers(ticket_id)
    realtime.ticket_viewers_changed(ticket_id, viewers)
    return viewers


def left(ticket_id: int | None) -> None:
    """After a console stopped showing a ticket (moved on, closed): one viewer fewer."""
    if ticket_id is not None:
        realtime.ticket_viewers_changed(ticket_id, presence.ticket_viewers(ticket_id))


def typing(agent: Agent, ticket_id: int, on: bool, *, internal: bool = False) -> None:
    """The agent started or stopped writing a reply (or a note) in the ticket's composer."""
    realtime.ticket_typing(ticket_id, {"ticket_id": ticket_id, "agent_id": agent.id, "agent_name": agent.display_name,
                                       "typing": on, "internal": internal})
