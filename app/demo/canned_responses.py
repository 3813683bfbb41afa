"""The demo shop's canned responses: the team's and a demo agent's own, made through the service."""

from __future__ import annotations

from app.extensions import db
from app.models import Agent
from app.services.knowledge import canned_responses
from app.services.knowledge.canned_responses import TEAM, Draft
from app.services.platform.audit import CLI

OWN_AGENT_EMAIL = "bea@demo.shop"

TEAM_RESPONSES = (
    Draft("Greeting", "hello",
          "Hi {{customer.first_name|there}}, thanks for getting in touch with {{shop.name}}! "
          "I'm {{agent.first_name}}. How can I help you today?"),
    Draft("Shipping times", "shipping",
          "We pack orders within one working day. Delivery then takes 2–3 working days in Germany and "
          "3–6 elsewhere in the EU, and you get a tracking link by email as soon as the parcel leaves us."),
    Draft("Returns policy", "returns",
          "You can return anything unused within 30 days of delivery for a full refund. Reply here with "
          "your order number ({{order.last_number|you'll find it in your confirmation email}}) and "
          "I'll send you a prepaid return label."),
    Draft("Cart help", "cart",
          "Hi {{customer.first_name|there}}, I can see your cart ({{cart.total|it looks empty right now}}). "
          "Is anything stopping you from checking out? I'm happy to help with sizes, delivery or payment."),
)

OWN_RESPONSES = (
    Draft("Anything else?", "anything-else",
          "Is there anything else I can help you with today, {{customer.first_name|}}?"),
    Draft("Checking with the warehouse", "warehouse",
          "Let me check that with our warehouse. I'll get back to you here within the hour. "
          "– {{agent.first_name}}"),
)


def seed_canned_responses() -> int:
    """Create the demo responses whose shortcut is still free in their scope; returns how many.
    Responses an admin or agent has edited since are left as they are."""
    agent_id = db.session.scalar(db.select(Agent.id).where(Agent.email == OWN_AGENT_EMAIL))
    wanted = [(TEAM, draft) for draft in TEAM_RESPONSES]
    if agent_id is not None:
        wanted += [(agent_id, draft) for draft in OWN_RESPONSES]
    created = 0
    for owner_id, draft in wanted:
        if canned_responses.find_by_shortcut(owner_id, draft.shortcut) is None:
            canned_responses.create_response(draft, owner_id=owner_id, by=CLI)
            created += 1
    return created
