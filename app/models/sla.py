"""Service levels: the shop's business calendar and the SLA policies measured in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class BusinessCalendar(db.Model):
    """When the shop answers (one row today, the shop's): SLA targets count only these hours."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", nullable=False)
    # {"mon": ["09:00", "17:00"], …}: a weekday missing is closed. Validated by services/tickets/sla/settings.py.
    hours: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    holidays: Mapped[list] = mapped_column(JSON, default=list, nullable=False)  # ["2026-12-25 Christmas", …]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class SlaPolicy(db.Model):
    """Targets for the tickets it matches: the first active policy in position order whose
    conditions all hold (priorities, the requester's stages, flags; empty means any)."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    position: Mapped[int] = mapped_column(default=0, nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    priorities: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    stages: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    flags: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    # Business minutes; None: no target of that kind.
    first_response_minutes: Mapped[int | None] = mapped_column()
    resolution_minutes: Mapped[int | None] = mapped_column()
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
