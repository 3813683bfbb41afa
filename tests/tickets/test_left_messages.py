"""A message left in the widget while nobody is online becomes a ticket on channel widget, once
per client key, acknowledged by email, linked to its conversation."""

from __future__ import annotations

from app.extensions import db
from app.models import OutboxEmail, Ticket, TicketMessage
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import live_chat
from app.services.conversations.live_chat import StartRequest
from app.services.platform.audit import CLI
from app.services.tickets import updates


def leave(key: str = "left-1"):
    return live_chat.start_conversation(
        Visitor("anon-left"), StartRequest(client_key=key, channel="offline_message", contact_email="ines@example.com"),
        first_message="Can you gift-wrap order A-7?\nIt is a birthday present.")


def test_a_left_message_is_one_widget_ticket_with_an_acknowledgement(app, make_agent):
    conversation, again = leave(), leave()
    assert conversation.id == again.id
    (ticket,) = db.session.scalars(db.select(Ticket))
    assert (ticket.channel, ticket.conversation_id, ticket.status) == ("widget", conversation.id, "new")
    assert ticket.subject == "Can you gift-wrap order A-7? It is a birthday present."
    assert db.session.scalar(db.select(TicketMessage.body)) == "Can you gift-wrap order A-7?\nIt is a birthday present."
    (email,) = db.session.scalars(db.select(OutboxEmail))
    assert (email.kind, email.to_address) == ("ticket_received", "ines@example.com")
    # Turning the conversation into a ticket finds this one.
    agent = make_agent()
    assert updates.ticket_from_conversation(conversation.id, agent=agent, by=CLI).id == ticket.id
