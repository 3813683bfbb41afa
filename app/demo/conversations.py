"""The demo shop's live chats: a few conversations in different states, made through the chat services."""

from __future__ import annotations

from app.extensions import db
from app.models import Agent, AnonymousVisitor, Conversation, Customer
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import assignment, inbox, live_chat
from app.services.conversations.live_chat import StartRequest
from app.services.platform.audit import CLI

AGENT_EMAIL = "bea@demo.shop"

# (customer external id, final status, assigned to Bea, [(author, body, internal)]): author "v"
# visitor, "a" agent.
SCRIPTS = (
    ("cust-newbuyer", "open", True, [
        ("v", "Hi! My order hasn't shipped yet. Tracking page: https://shop.example/track/1042", False),
        ("a", "Hi Lena, let me check with the warehouse.", False),
        ("a", "Warehouse says the parcel leaves tomorrow morning.", True),
    ]),
    ("cust-atrisk", "pending", True, [
        ("v", "Can I change the grind size on my tea subscription?", False),
        ("a", "Of course: which grind would you like? I'll wait for your answer.", False),
    ]),
    ("cust-repeat", "resolved", True, [
        ("v", "Is the stoneware mug dishwasher safe?", False),
        ("a", "Yes, it is. Enjoy!", False),
        ("v", "Great, thanks!", False),
    ]),
    ("cust-registered", "open", False, [
        ("v", "Do you ship to Belgium, and how long does it take?", False),
    ]),
)
# A message left while nobody was online, by the anonymous hot lead of the demo customers.
LEFT_MESSAGE = ("anon-hotlead", "noor.h@example.com",
                "Is the gooseneck kettle in stock in black? I'd like to order it today.")


def seed_conversations() -> int:
    """Create the demo conversations of customers who have none yet; returns how many were made."""
    agent = db.session.scalar(db.select(Agent).where(Agent.email == AGENT_EMAIL))
    created = 0
    for external_id, status, assigned, lines in SCRIPTS:
        customer_id = db.session.scalar(db.select(Customer.id).where(Customer.external_id == external_id))
        if agent is None or customer_id is None or _has_conversation(customer_id):
            continue
        visitor = Visitor(anonymous_id=f"demo-chat-{external_id}", customer_id=external_id)
        conversation_id = live_chat.start_conversation(visitor).id
        if assigned:
            assignment.reassign(conversation_id, agent.id, by=agent)
        for n, (author, body, internal) in enumerate(lines, start=1):
            client_msg_id = f"demo-{n}"
            if author == "v":
                live_chat.send_visitor_message(visitor, conversation_id, client_msg_id, body)
            else:
                live_chat.send_agent_message(agent, conversation_id, client_msg_id, body, internal=internal)
        if status != "open":
            inbox.set_status(conversation_id, status, by=CLI)
        created += 1
    return created + _seed_left_message()


def _seed_left_message() -> int:
    anonymous_id, email, body = LEFT_MESSAGE
    customer_id = db.session.scalar(db.select(AnonymousVisitor.customer_id)
                                    .where(AnonymousVisitor.anonymous_id == anonymous_id))
    if customer_id is None or _has_conversation(customer_id):
        return 0
    request = StartRequest(client_key="demo-left", channel="offline_message", contact_email=email,
                           page_url="https://demo.shop/products/KET-04")
    live_chat.start_conversation(Visitor(anonymous_id), request, first_message=body)
    return 1


def _has_conversation(customer_id: int) -> bool:
    query = db.select(Conversation.id).where(Conversation.customer_id == customer_id).limit(1)
    return db.session.scalar(query) is not None
