"""The demo shop's tickets in every status and from every channel, made through the ticket service
(routed as they arrive; each once: they carry fixed client keys). Groups: demo_routing."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Agent, Customer, Ticket, TicketGroup, TicketMessage
from app.services.platform.audit import CLI, Actor
from app.services.tickets import intake, updates
from app.services.tickets.intake import Requester, TicketRequest
from app.services.tickets.sla import targets

# (client key, customer external id or email, channel, subject, body, priority, group, tags,
#  [(who, text)] replies: "a" Bea, "c" the customer, then the final status)
TICKETS = (
    ("demo-t1", "cust-newbuyer", "help_center", "Where is my teapot?",
     "I ordered the cast-iron teapot four days ago and the tracking page has not moved since.",
     "normal", "Shipping", ("tracking",),
     [("a", "Sorry for the wait! I've asked the courier and will write back today.")], "pending"),
    ("demo-t2", "cust-atrisk", "api", "Refund for a damaged kettle",
     "The gooseneck kettle arrived with a dent in the spout. I'd like a refund, please.",
     "high", "Billing", ("refund", "damaged"), [], "new"),
    ("demo-t3", "cust-repeat", "help_center", "Do you sell gift cards?",
     "My sister loves your teas: can I buy her a gift card?", "low", "Product questions", (),
     [("a", "Yes: any amount from 10 EUR, at the bottom of every page."), ("c", "Perfect, thank you!")], "solved"),
    ("demo-t4", "noor@example.com", "agent", "Phone call: change the delivery address",
     "Noor called: the order should go to her office, Keizersgracht 12, Amsterdam.", "urgent", "Shipping",
     ("address",), [], "open"),
    ("demo-t5", "cust-loyal", "widget", "Matching cups for the teapot?",
     "Left in the chat while you were away: do you have cups that match the cast-iron teapot?", "normal",
     "Product questions", (), [("a", "We do: the Tetsubin cup set. Shall I hold one for you?")], "on_hold"),
    ("demo-t6", "cust-churned", "email", "Cancel my newsletter",
     "Please take me off the newsletter.", "low", None, (),
     [("a", "Done: you will not get it any more."), ("c", "Thanks.")], "closed"),
    ("demo-t7", "cust-reactivated", "help_center", "Invoice for my last order",
     "Could you send me an invoice with my company name for order ord-reactivated-2?", "normal", None, (), [],
     "new"),
)

# Tickets that arrived a week ago and were not answered in time: the SLA view has breaches to show.
AGED = ("demo-t2", "demo-t4")


def seed_tickets() -> int:
    """Create the demo groups and the demo tickets that do not exist yet; returns how many tickets."""
    bea = db.session.scalar(db.select(Agent).where(Agent.email == "bea@demo.shop"))
    groups = dict(db.session.execute(db.select(TicketGroup.name, TicketGroup.id)).all())
    created = 0
    for key, who, channel, subject, body, priority, group, tags, replies, status in TICKETS:
        if bea is None or intake.find_by_client_key(channel, key) is not None or not _known(who):
            continue
        requester = Requester(email=who) if "@" in who else Requester(external_id=who)
        ticket = intake.create_ticket(TicketRequest(
            subject=subject, body=body, channel=channel, requester=requester, priority=priority,
            group_id=groups.get(group), tags=tags, client_key=key), by=CLI,
            author_agent_id=bea.id if channel == "agent" else None)
        _work(ticket.id, bea, replies, status)
        if key in AGED:
            _age(ticket.id, timedelta(days=7))
        created += 1
    if created:
        targets.recompute_open_tickets()
        targets.mark_breaches()
    return created


def _age(ticket_id: int, by: timedelta) -> None:
    """Move a fresh ticket and its thread back in time (the audit trail too)."""
    ticket = db.session.get(Ticket, ticket_id)
    ticket.created_at -= by
    ticket.updated_at -= by
    for message in db.session.scalars(db.select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)):
        message.created_at -= by
    db.session.commit()


def _known(who: str) -> bool:
    column = Customer.email if "@" in who else Customer.external_id
    return db.session.scalar(db.select(Customer.id).where(column == who)) is not None


def _work(ticket_id: int, bea: Agent, replies, status: str) -> None:
    by = Actor.agent(bea)
    for who, text in replies:
        if who == "a":
            updates.reply_as_agent(ticket_id, text, agent=bea, by=by)
        else:
            updates.reply_as_customer(ticket_id, text, channel="web", by=CLI)
    ticket = intake.get_ticket(ticket_id)
    changes = {"status": status} if status != ticket.status else {}
    if status != "new":
        changes["assignee_id"] = bea.id
    if changes:
        updates.update_ticket(ticket_id, changes, expected_version=ticket.version, by=by)
