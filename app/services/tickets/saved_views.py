"""Agents' saved ticket views, and the validation of list filters they share with the list page."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import SavedView, TicketGroup
from app.models.ticket import TICKET_CHANNELS, TICKET_PRIORITIES
from app.services.errors import DomainError, NotFoundError
from app.services.tickets.intake import check_choice
from app.services.tickets.lists import VIEWS, Filters, sorts_for

MAX_PER_AGENT = 30
MAX_NAME_CHARS = 60


def check_filters(view: str, raw: dict) -> Filters:
    """Called by the list page (query string) and by save_view: Filters from raw strings, each
    checked; an empty value is no filter. DomainError names the first bad one."""
    if view not in VIEWS:
        raise DomainError(f"view must be one of {', '.join(VIEWS)}.", field="view")

    def value(name: str) -> str | None:
        found = raw.get(name)
        return str(found).strip() or None if found not in (None, "") else None

    priority, channel, sort = value("priority"), value("channel"), value("sort")
    if priority is not None:
        check_choice(priority, TICKET_PRIORITIES, "priority")
    if channel is not None:
        check_choice(channel, TICKET_CHANNELS, "channel")
    if sort is not None and sort not in sorts_for(view):
        raise DomainError(f"sort must be one of {', '.join(sorts_for(view))}.", field="sort")
    group_id = value("group_id")
    if group_id is not None:
        if not group_id.isdigit() or db.session.get(TicketGroup, int(group_id)) is None:
            raise DomainError("That group does not exist.", field="group_id")
        group_id = int(group_id)
    tag, query = value("tag"), value("query")
    return Filters(tag=tag.lower()[:40] if tag else None, priority=priority, group_id=group_id, channel=channel,
                   query=query[:200] if query else None, sort=sort)


def views_of(agent_id: int) -> list[SavedView]:
    """The agent's saved views, by name."""
    return list(db.session.scalars(select(SavedView).where(SavedView.agent_id == agent_id)
                                   .order_by(SavedView.name, SavedView.id)))


def get_view(agent_id: int, view_id: int) -> SavedView:
    """One of the agent's saved views; NotFoundError for anyone else's (the same answer as none)."""
    view = db.session.get(SavedView, view_id)
    if view is None or view.agent_id != agent_id:
        raise NotFoundError("That saved view does not exist.")
    return view


def filters_of(view: SavedView) -> Filters:
    return Filters(**{key: view.filters.get(key) for key in Filters.__dataclass_fields__})


def save_view(agent_id: int, name: str, base_view: str, filters: Filters) -> SavedView:
    """Save the filters under a name (one commit). Saving a name again replaces that view's
    filters, so a retried or repeated save makes no second view."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the view a name.", field="name")
    if len(name) > MAX_NAME_CHARS:
        raise DomainError(f"Keep the name under {MAX_NAME_CHARS} characters.", field="name")
    if base_view not in VIEWS:
        raise DomainError(f"view must be one of {', '.join(VIEWS)}.", field="view")
    stored = {key: value for key, value in asdict(filters).items() if value is not None}
    existing = db.session.scalar(select(SavedView).where(SavedView.agent_id == agent_id, SavedView.name == name))
    if existing is not None:
        existing.base_view, existing.filters = base_view, stored
        db.session.commit()
        return existing
    if len(views_of(agent_id)) >= MAX_PER_AGENT:
        raise DomainError(f"You have {MAX_PER_AGENT} saved views: delete one first.", field="name")
    view = SavedView(agent_id=agent_id, name=name, base_view=base_view, filters=stored)
    db.session.add(view)
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved at the same moment by a double submit
        db.session.rollback()
        return db.session.scalar(select(SavedView).where(SavedView.agent_id == agent_id, SavedView.name == name))
    return view


def delete_view(agent_id: int, view_id: int) -> None:
    """Delete one of the agent's saved views (one commit); deleting it twice is fine."""
    view = db.session.get(SavedView, view_id)
    if view is not None and view.agent_id == agent_id:
        db.session.delete(view)
        db.session.commit()
