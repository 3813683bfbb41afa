"""Writes to the audit log; callers commit as part of their own use case."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Agent, AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: an agent, an API key, the command line or the system itself."""

    type: str
    id: int | None = None
    label: str | None = None
    ip_address: str | None = None

    @classmethod
    def agent(cls, agent: Agent, ip_address: str | None = None) -> Actor:
        return cls("agent", agent.id, agent.email, ip_address)


CLI = Actor("cli", label="command line")
SYSTEM = Actor("system", label="system")


def record(action: str, *, actor: Actor, target=None, details: dict | None = None) -> AuditEvent:
    """Add one audit event to the session (flushed by the caller's commit)."""
    event = AuditEvent(
        action=action,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        ip_address=actor.ip_address,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        details=details or {},
    )
    db.session.add(event)
    return event


def recent_events(limit: int = 50) -> list[AuditEvent]:
    """The newest audit events, for the Settings › Audit log page."""
    return list(
        db.session.scalars(
            db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        )
    )
