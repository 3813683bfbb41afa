"""The demo shop's data, loaded by `flask helpdesk seed-demo` and `make run`. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Agent
from app.services import agents
from app.services.audit import CLI

DEMO_ADMIN_EMAIL = "admin@demo.shop"
DEMO_ADMIN_PASSWORD = "demo-admin-password"
DEMO_AGENT_PASSWORD = "demo-agent-password"

DEMO_AGENTS = (
    ("Alex Admin", DEMO_ADMIN_EMAIL, "admin", DEMO_ADMIN_PASSWORD),
    ("Bea Santos", "bea@demo.shop", "agent", DEMO_AGENT_PASSWORD),
    ("Chris de Vries", "chris@demo.shop", "agent", DEMO_AGENT_PASSWORD),
    ("Dana Okafor", "dana@demo.shop", "agent", DEMO_AGENT_PASSWORD),
)


@dataclass(frozen=True)
class SeedReport:
    """What a seed run created (zero everywhere on a second run)."""

    agents_created: int


def seed_demo() -> SeedReport:
    """Create what is missing of the demo shop; existing rows are left exactly as they are."""
    created = 0
    for name, email, role, password in DEMO_AGENTS:
        exists = db.session.scalar(db.select(Agent.id).where(Agent.email == email))
        if exists is None:
            agents.create_agent(email, name, role, password, by=CLI)
            created += 1
    return SeedReport(agents_created=created)
