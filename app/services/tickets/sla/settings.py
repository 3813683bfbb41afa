"""Settings › SLA: the shop's business calendar and the SLA policies, validated and audited.
Every change has the unsolved tickets' targets recomputed in the background."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import available_timezones

from sqlalchemy import select, update

from app.extensions import db
from app.jobs import enqueue
from app.models import BusinessCalendar, SlaPolicy, Ticket
from app.models.base import utcnow
from app.models.customer import FLAGS, STAGES
from app.models.ticket import TICKET_PRIORITIES
from app.services.errors import DomainError, NotFoundError
from app.services.platform import audit
from app.services.platform.audit import Actor
from app.services.tickets.sla.business_hours import WEEKDAYS

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_HOLIDAYS = 366
MAX_TARGET_MINUTES = 60 * 24 * 90  # 90 days of business time
RECOMPUTE = "app.services.tickets.sla.targets:recompute_open_tickets"


@dataclass(frozen=True)
class PolicySpec:
    """A policy as an admin typed it: targets in minutes (None: no such target)."""

    name: str
    priorities: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    active: bool = True


def _subset(values, allowed: tuple[str, ...], name: str) -> list[str]:
    wrong = [v for v in values or () if v not in allowed]
    if wrong:
        raise DomainError(f"Unknown {name}: {', '.join(map(str, wrong[:5]))}.", field=name)
    return sorted(set(values or ()), key=allowed.index)


def _target(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TARGET_MINUTES:
        raise DomainError("A target is from 1 minute to 90 days of business time.", field=name)
    return value


def clean_policy(spec: PolicySpec) -> PolicySpec:
    name = " ".join((spec.name or "").split())
    if not name or len(name) > 80:
        raise DomainError("Give the policy a name of at most 80 characters.", field="name")
    first, resolution = (_target(spec.first_response_minutes, "first_response"),
                         _target(spec.resolution_minutes, "resolution"))
    if first is None and resolution is None:
        raise DomainError("Set a first-response target, a resolution target or both.", field="first_response")
    if first is not None and resolution is not None and resolution < first:
        raise DomainError("The resolution target cannot be shorter than the first-response target.",
                          field="resolution")
    return PolicySpec(name, _subset(spec.priorities, TICKET_PRIORITIES, "priorities"),
                      _subset(spec.stages, STAGES, "stages"), _subset(spec.flags, FLAGS, "flags"), first, resolution,
                      bool(spec.active))


def all_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def get_policy(policy_id: int) -> SlaPolicy:
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFoundError("No such SLA policy.")
    return policy


def _changed(action: str, by: Actor, target, details: dict) -> None:
    audit.record(action, actor=by, target=target, details=details)
    db.session.commit()
    enqueue(RECOMPUTE)


def save_policy(spec: PolicySpec, *, policy_id: int | None = None, by: Actor) -> SlaPolicy:
    """Create (last in order) or change a policy. One commit, audited; targets recomputed."""
    spec = clean_policy(spec)
    if policy_id is None:
        last = db.session.scalar(select(db.func.max(SlaPolicy.position))) or 0
        policy = SlaPolicy(position=last + 1, created_at=utcnow())
        db.session.add(policy)
    else:
        policy = get_policy(policy_id)
    policy.name, policy.priorities, policy.stages, policy.flags = spec.name, spec.priorities, spec.stages, spec.flags
    policy.first_response_minutes, policy.resolution_minutes = spec.first_response_minutes, spec.resolution_minutes
    policy.active, policy.updated_at = spec.active, utcnow()
    db.session.flush()
    _changed("sla.policy_saved", by, policy, {"name": policy.name})
    return policy


def move_policy(policy_id: int, direction: int, *, by: Actor) -> None:
    """Swap a policy with its neighbour above (-1) or below (+1): the first match wins."""
    policies = all_policies()
    index = next((i for i, p in enumerate(policies) if p.id == policy_id), None)
    if index is None:
        raise NotFoundError("No such SLA policy.")
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(policies):
        policies[index], policies[other] = policies[other], policies[index]
        for position, policy in enumerate(policies, start=1):
            policy.position = position
        _changed("sla.policy_moved", by, policies[other], {"direction": direction})


def delete_policy(policy_id: int, *, by: Actor) -> None:
    """Delete a policy; tickets it measured keep their due times, without its name."""
    policy = get_policy(policy_id)
    db.session.execute(update(Ticket).where(Ticket.sla_policy_id == policy.id).values(sla_policy_id=None))
    audit.record("sla.policy_deleted", actor=by, target=policy, details={"name": policy.name})
    db.session.delete(policy)
    db.session.commit()
    enqueue(RECOMPUTE)


# --- the calendar --------------------------------------------------------------------------------


def shop_calendar_row() -> BusinessCalendar:
    """The shop's calendar (made, always open, on first use)."""
    row = db.session.scalar(select(BusinessCalendar).order_by(BusinessCalendar.id).limit(1))
    if row is None:
        row = BusinessCalendar(name="Shop hours", timezone="UTC", hours={}, holidays=[], updated_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row


def clean_hours(hours: dict[str, tuple[str, str] | None]) -> dict[str, list[str]]:
    """{"mon": ("09:00", "17:00") or None (closed), …} → the stored form; at least one open day."""
    cleaned = {}
    for day in WEEKDAYS:
        span = hours.get(day)
        if not span:
            continue
        start, end = (str(part or "").strip() for part in span)
        if not CLOCK.match(start) or not CLOCK.match(end):
            raise DomainError("Enter times as HH:MM, for example 09:00 and 17:30.", field=day)
        if start >= end:
            raise DomainError("A day closes after it opens.", field=day)
        cleaned[day] = [start, end]
    if not cleaned:
        raise DomainError("Open at least one day a week.", field="mon")
    return cleaned


def clean_holidays(text: str) -> list[str]:
    """One date (YYYY-MM-DD) per line, a note after it kept: ["2026-12-25 Christmas", …] by date."""
    found = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        word, _, note = " ".join(line.split()).partition(" ")
        if not word:
            continue
        try:
            day = date.fromisoformat(word).isoformat()
            found[day] = f"{day} {note[:60]}".strip()
        except ValueError:
            raise DomainError(f"Line {number}: write a date as YYYY-MM-DD, for example 2026-12-25.",
                              field="holidays") from None
    if len(found) > MAX_HOLIDAYS:
        raise DomainError(f"At most {MAX_HOLIDAYS} holidays.", field="holidays")
    return [found[day] for day in sorted(found)]


def save_calendar(timezone: str, hours: dict[str, tuple[str, str] | None], holidays: str, *,
                  by: Actor) -> BusinessCalendar:
    """Set the shop's hours, time zone and holidays. One commit, audited; targets recomputed."""
    if timezone not in available_timezones():
        raise DomainError("Choose a time zone from the list, for example Europe/Amsterdam.", field="timezone")
    row = shop_calendar_row()
    row.timezone, row.hours, row.holidays = timezone, clean_hours(hours), clean_holidays(holidays)
    row.updated_at = utcnow()
    _changed("sla.calendar_saved", by, row, {"timezone": timezone})
    return row
