"""The demo shop's business hours and SLA policies (made once: only when there are none)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import BusinessCalendar, SlaPolicy
from app.services.platform.audit import CLI
from app.services.tickets.sla import settings
from app.services.tickets.sla.settings import PolicySpec

HOURS = {day: ("08:00", "20:00") for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
HOLIDAYS = "2026-12-25 Christmas\n2026-12-26 Boxing Day\n2027-01-01 New Year"
# Specific before general: the first match wins. Targets in business minutes.
POLICIES = (
    PolicySpec("VIP customers", flags=["vip"], first_response_minutes=60, resolution_minutes=8 * 60),
    PolicySpec("Loyal customers", stages=["loyalty"], first_response_minutes=2 * 60, resolution_minutes=16 * 60),
    PolicySpec("Urgent", priorities=["urgent"], first_response_minutes=60, resolution_minutes=4 * 60),
    PolicySpec("Standard", first_response_minutes=8 * 60, resolution_minutes=40 * 60),
)


def seed_sla() -> None:
    """Shop hours Monday to Saturday 08:00–20:00 in Amsterdam, and four policies."""
    if db.session.scalar(select(BusinessCalendar.id).limit(1)) is None:
        settings.save_calendar("Europe/Amsterdam", HOURS, HOLIDAYS, by=CLI)
    if db.session.scalar(select(SlaPolicy.id).limit(1)) is None:
        for spec in POLICIES:
            settings.save_policy(spec, by=CLI)
