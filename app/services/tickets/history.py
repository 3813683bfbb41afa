"""A ticket's history: one row per change (who, which field, from what to what), which the ticket
page shows under its thread. Every change to a ticket goes through record, in its transaction."""

from __future__ import annotations

from app.extensions import db
from app.models import Ticket, TicketEvent
from app.models.base import utcnow
from app.services.platform.audit import Actor


def record(ticket: Ticket, by: Actor, field_name: str, old=None, new=None, details: dict | None = None) -> None:
    """One row of the ticket's history at its current version (adds, the caller commits)."""
    db.session.add(TicketEvent(ticket_id=ticket.id, actor_type=by.type, actor_id=by.id, actor_label=by.label,
                               field=field_name, old_value=None if old is None else str(old)[:255],
                               new_value=None if new is None else str(new)[:255], version=ticket.version,
                               details=details, created_at=utcnow()))
