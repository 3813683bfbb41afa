"""The demo shop's live chats: a few conversations in different states, made through the chat services."""

from __future__ import annotations

from app.extensions import db
from app.models import Agent, Conversation, Customer
from app.services import conversations, inbox
from app.services.audit import CLI
from app.services.visitor_tokens import Visitor

AGENT_EMAIL = "bea@demo.shop"

# (customer external id, final status, [(author, body, internal)]): author "v" visitor, "a" agent.
SCRIPTS = (
    ("cust-newbuyer", "open", [
        ("v", "Hi! My order hasn't shipped yet. Tracking page: https://shop.example/track/1042", False),
        ("a", "Hi Lena, let me check with the warehouse.", False),
        ("a", "Warehouse says the parcel leaves tomorrow morning.", True),
    ]),
    ("cust-atrisk", "pending", [
        ("v", "Can I change the grind size on my tea subscription?", False),
        ("a", "Of course: which grind would you like? I'll wait for your answer.", False),
    ]),
    ("cust-repeat", "resolved", [
        ("v", "Is the stoneware mug dishwasher safe?", False),
        ("a", "Yes, it is. Enjoy!", False),
        ("v", "Great, thanks!", False),
    ]),
)


def seed_conversations() -> int:
    """Create the demo conversations of customers who have none yet; returns how many were made."""
    agent = db.session.scalar(db.select(Agent).where(Agent.email == AGENT_EMAIL))
    created = 0
    for external_id, status, lines in SCRIPTS:
        customer_id = db.session.scalar(db.select(Customer.id).where(Customer.external_id == external_id))
        if agent is None or customer_id is None or _has_conversation(customer_id):
            continue
        visitor = Visitor(anonymous_id=f"demo-chat-{external_id}", customer_id=external_id)
        conversation_id = conversations.start_conversation(visitor).id
        for n, (author, body, internal) in enumerate(lines, start=1):
            client_msg_id = f"demo-{n}"
            if author == "v":
                conversations.send_visitor_message(visitor, conversation_id, client_msg_id, body)
            else:
                conversations.send_agent_message(agent, conversation_id, client_msg_id, body, internal=internal)
        if status != "open":
            inbox.set_status(conversation_id, status, by=CLI)
        created += 1
    return created


def _has_conversation(customer_id: int) -> bool:
    query = db.select(Conversation.id).where(Conversation.customer_id == customer_id).limit(1)
    return db.session.scalar(query) is not None
