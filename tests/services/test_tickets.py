"""The ticket service on SQLite and PostgreSQL: creation from every channel, idempotent retries,
replies and the status rules, optimistic locking with what changed, the audit trail, a chat
turned into a ticket, bad input."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Customer, Ticket, TicketEvent, TicketGroup, TicketMessage
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import live_chat
from app.services.errors import DomainError, NotFoundError, TooLongError
from app.services.platform.audit import CLI, Actor
from app.services.tickets import intake, updates
from app.services.tickets.intake import Requester, TicketRequest
from app.services.tickets.updates import TicketConflictError


def request(**overrides) -> TicketRequest:
    values = {"subject": "Parcel not arrived", "body": "Order A-1 is late.", "channel": "help_center",
              "requester": Requester(email="Ana@Example.com", name="Ana")}
    return TicketRequest(**{**values, **overrides})


def trail(ticket_id: int) -> list[tuple]:
    return [(e.field, e.old_value, e.new_value) for e in db.session.scalars(
        db.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))]


@pytest.fixture
def agent(any_app, make_agent):
    return make_agent(name="Bea")


def test_a_request_by_email_makes_a_profile_and_a_ticket_once(any_app):
    first = intake.create_ticket(request(client_key="form-1"), by=CLI)
    again = intake.create_ticket(request(client_key="form-1", body="resent"), by=CLI)
    assert again.id == first.id and (first.status, first.channel) == ("new", "help_center")
    customer = db.session.get(Customer, first.requester_id)
    assert (customer.email, customer.name, customer.stage) == ("ana@example.com", "Ana", "acquisition")
    second = intake.create_ticket(request(subject="Another"), by=CLI)
    assert second.requester_id == first.requester_id  # the same email, the same customer
    assert db.session.scalar(db.select(db.func.count(TicketMessage.id))) == 2


@pytest.mark.parametrize(("overrides", "error"), [
    ({"subject": " "}, DomainError), ({"subject": "x" * 201}, TooLongError), ({"body": ""}, DomainError),
    ({"body": "x" * 20_001}, TooLongError), ({"channel": "fax"}, DomainError), ({"priority": "asap"}, DomainError),
    ({"tags": ["ok", "not ok!"]}, DomainError), ({"requester": Requester()}, DomainError),
    ({"requester": Requester(email="nope")}, DomainError),
    ({"requester": Requester(external_id="ghost")}, NotFoundError),
    ({"group_id": 999}, DomainError),
])
def test_bad_requests_are_refused_and_nothing_is_stored(any_app, overrides, error):
    with pytest.raises(error):
        intake.create_ticket(request(**overrides), by=CLI)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_replies_follow_the_status_rules_and_the_first_response_is_kept(any_app, agent):
    ticket = intake.create_ticket(request(), by=CLI)
    by = Actor.agent(agent)
    updates.reply_as_agent(ticket.id, "Checking", agent=agent, internal=True, by=by)
    assert intake.get_ticket(ticket.id).status == "new"  # a note changes no status
    updates.reply_as_agent(ticket.id, "It ships today.", agent=agent, by=by)
    state = intake.get_ticket(ticket.id)
    assert state.status == "pending" and state.first_response_at is not None
    updates.reply_as_customer(ticket.id, "Thanks, and the invoice?", channel="web", by=CLI)
    assert intake.get_ticket(ticket.id).status == "open"
    updates.reply_as_agent(ticket.id, "Attached.", agent=agent, status_after="solved", by=by)
    assert intake.get_ticket(ticket.id).solved_at is not None
    assert [t for t in trail(ticket.id) if t[0] == "status"] == [
        ("status", "new", "pending"), ("status", "pending", "open"), ("status", "open", "solved")]


def test_a_reply_to_a_closed_ticket_makes_a_linked_follow_up(any_app, agent):
    ticket = intake.create_ticket(request(), by=CLI)
    updates.update_ticket(ticket.id, {"status": "closed"}, expected_version=1, by=CLI)
    follow, message = updates.reply_as_customer(ticket.id, "It broke again", channel="web", by=CLI)
    assert follow.id != ticket.id and follow.subject == "Follow-up: Parcel not arrived"
    assert message.body == "It broke again"
    assert ("follow_up", None, f"#{follow.id}") in trail(ticket.id)
    assert intake.get_ticket(ticket.id).status == "closed"
    with pytest.raises(DomainError, match="closed"):
        updates.reply_as_agent(ticket.id, "Hello?", agent=agent, by=Actor.agent(agent))


def test_a_second_save_from_an_older_form_is_refused_with_what_changed(any_app, agent, make_agent):
    group = TicketGroup(name="Shipping")
    db.session.add(group)
    db.session.commit()
    ticket = intake.create_ticket(request(), by=CLI)
    chris = make_agent(name="Chris")
    updates.update_ticket(ticket.id, {"assignee_id": agent.id, "priority": "high"}, expected_version=1,
                                 by=Actor.agent(chris))
    with pytest.raises(TicketConflictError) as refused:
        updates.update_ticket(ticket.id, {"priority": "low"}, expected_version=1, by=Actor.agent(agent))
    assert {(c.field, c.new_value) for c in refused.value.changes} == {("assignee_id", "Bea"), ("priority", "high")}
    assert refused.value.current_version == 2 and intake.get_ticket(ticket.id).priority == "high"
    updates.update_ticket(ticket.id, {"priority": "low", "group_id": group.id, "tags": ["Late", "late", "vip"]},
                                 expected_version=2, by=Actor.agent(agent))
    assert ("group_id", None, "Shipping") in trail(ticket.id) and ("tags", None, "late, vip") in trail(ticket.id)
    with pytest.raises(DomainError):
        updates.update_ticket(ticket.id, {"requester_id": 1}, expected_version=3, by=CLI)


def test_a_chat_becomes_one_ticket_with_its_transcript(any_app, agent):
    visitor = Visitor("anon-t", "cust-t")
    conversation = live_chat.start_conversation(visitor)
    live_chat.send_visitor_message(visitor, conversation.id, "v1", "My mug arrived broken")
    live_chat.send_agent_message(agent, conversation.id, "n1", "Check the courier", internal=True)
    live_chat.send_agent_message(agent, conversation.id, "a1", "Sorry! Photo please?")
    ticket = updates.ticket_from_conversation(conversation.id, agent=agent, by=Actor.agent(agent))
    again = updates.ticket_from_conversation(conversation.id, agent=agent, by=Actor.agent(agent))
    assert again.id == ticket.id
    assert (ticket.subject, ticket.channel, ticket.assignee_id, ticket.status) == (
        "My mug arrived broken", "chat", agent.id, "open")
    thread = db.session.execute(db.select(TicketMessage.author_type, TicketMessage.body, TicketMessage.internal)
                                .where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id)).all()
    assert [tuple(r) for r in thread] == [
        ("customer", "My mug arrived broken", False), ("agent", "Check the courier", True),
        ("agent", "Sorry! Photo please?", False)]
