"""The demo shop's groups, their members and routing rules (each made once, by name)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Agent, RoutingRule, TicketGroup, TicketGroupMember
from app.services.platform.audit import CLI
from app.services.tickets import routing
from app.services.tickets.routing import ROUND_ROBIN, RuleSpec

GROUPS = {"Shipping": ("bea@demo.shop", "chris@demo.shop"), "Billing": ("chris@demo.shop", "dana@demo.shop"),
          "Product questions": ("bea@demo.shop", "dana@demo.shop")}

# (name, conditions, actions with the group by name), in the order they run: money questions
# (a refund for a parcel that arrived broken) end in Billing even when they mention the delivery.
RULES = (
    ("Delivery questions go to Shipping",
     {"words": ["where is my order", "tracking", "delivery", "parcel", "courier", "shipping"]},
     {"group": "Shipping", "add_tags": ["delivery"]}),
    ("Refunds and returns go to Billing",
     {"words": ["refund", "money back", "reimburse", "return", "chargeback", "invoice"]},
     {"group": "Billing", "add_tags": ["billing"], "assignee": ROUND_ROBIN}),
    ("Loyal customers come first", {"stages": ["loyalty"]}, {"priority": "high", "add_tags": ["loyal"]}),
    ("VIPs come first", {"flags": ["vip"]}, {"priority": "high", "add_tags": ["vip"]}),
    ("A loaded cart is a sale in the making", {"stages": ["conversion"], "cart_min": "100"},
     {"group": "Product questions", "priority": "high", "add_tags": ["hot-cart"]}),
)


def seed_routing() -> int:
    """Groups with members and the demo rules that do not exist yet; returns how many rules were made."""
    for name in GROUPS:
        if db.session.scalar(select(TicketGroup.id).where(TicketGroup.name == name)) is None:
            db.session.add(TicketGroup(name=name))
    db.session.flush()
    groups = dict(db.session.execute(select(TicketGroup.name, TicketGroup.id)).all())
    agents = dict(db.session.execute(select(Agent.email, Agent.id)).all())
    if not db.session.scalar(select(db.func.count()).select_from(TicketGroupMember)):
        db.session.add_all(TicketGroupMember(group_id=groups[g], agent_id=agents[e])
                           for g, emails in GROUPS.items() for e in emails if e in agents)
    db.session.commit()
    existing = set(db.session.scalars(select(RoutingRule.name)))
    made = 0
    for name, conditions, actions in RULES:
        if name in existing:
            continue
        actions = {**actions}
        if "group" in actions:
            actions["group_id"] = groups[actions.pop("group")]
        routing.save_rule(RuleSpec(name, conditions, actions), by=CLI)
        made += 1
    return made
