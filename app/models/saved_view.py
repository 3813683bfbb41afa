"""An agent's own ticket views: a built-in view narrowed by filters, saved under a name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class SavedView(db.Model):
    """Filters (validated by app/services/tickets/saved_views.py) over one built-in view, for one agent."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("agent_id", "name", name="uq_saved_views_agent_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    base_view: Mapped[str] = mapped_column(String(32), nullable=False)
    # {"tag", "priority", "group_id", "channel", "query", "sort"}, each optional.
    filters: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
