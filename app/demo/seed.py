"""The demo shop's data, loaded by `flask helpdesk seed-demo` and `make run`. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from app.demo import (
    canned_responses,
    conversations,
    feedback,
    kb_activity,
    knowledge_base,
    lifecycle,
    outreach,
    routing,
    sla,
    tickets,
)
from app.demo.customers import demo_events
from app.extensions import db
from app.models import Agent
from app.models.base import utcnow
from app.services.access import agents
from app.services.platform.audit import CLI
from app.services.shop_events.ingestion import ingest_events

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
    events_accepted: int = 0
    conversations_created: int = 0
    canned_responses_created: int = 0
    tickets_created: int = 0


def seed_demo() -> SeedReport:
    """Create what is missing of the demo shop; existing rows are left exactly as they are."""
    created = 0
    for name, email, role, password in DEMO_AGENTS:
        exists = db.session.scalar(db.select(Agent.id).where(Agent.email == email))
        if exists is None:
            agents.create_agent(email, name, role, password, by=CLI)
            created += 1
    # Customers arrive through the event path, as a shop would send them (ids fixed: idempotent).
    result = ingest_events(demo_events(utcnow()), source="demo")
    if result.rejected:
        raise RuntimeError(f"demo events rejected: {result.rejected}")
    # Live chats after the customers exist, through the chat services (skipped for those who have one).
    chats = conversations.seed_conversations()
    replies = canned_responses.seed_canned_responses()
    routing.seed_routing()  # before the tickets, so that they are routed as they arrive
    sla.seed_sla()  # and measured from the start
    made = tickets.seed_tickets()
    knowledge_base.seed_knowledge_base()
    kb_activity.seed_kb_activity()  # after the articles: the searches are run against them
    outreach.seed_outreach()  # after the customers: its alerts and check-ins include them
    lifecycle.seed_lifecycle_history()  # a year of buyers: the lifecycle and loyalty reports' shape
    feedback.seed_feedback()  # last: CSAT on the chats and tickets above, then the reports' figures
    return SeedReport(agents_created=created, events_accepted=result.accepted, conversations_created=chats,
                      canned_responses_created=replies, tickets_created=made)
