"""Ticket pages: the views with keyset pages, a ticket's page, replying, saving properties (a
stale form gets a 409 listing what changed and keeps what was typed), new tickets, chats turned
into tickets; sign-in and CSRF required."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Ticket, TicketGroup, TicketMessage
from app.services.platform.audit import CLI
from app.services.tickets import intake, updates
from tests.factories import make_conversation, make_ticket
from tests.support.html import csrf_from


def test_pages_need_a_signed_in_agent(client, app):
    ticket = make_ticket(1)
    for path in ("/console/tickets", f"/console/tickets/{ticket.id}", "/console/tickets/new"):
        assert client.get(path).status_code == 302


def test_views_page_through_with_a_cursor(client, agent_in):
    for n in range(55):
        make_ticket(n)
    first = client.get("/console/tickets?view=unassigned").get_data(as_text=True)
    assert first.count("data-ticket-row=") == 50
    cursor = re.search(r'after=([^"&]+)', first).group(1)
    second = client.get(f"/console/tickets?view=unassigned&after={cursor}").get_data(as_text=True)
    assert second.count("data-ticket-row=") == 5
    assert client.get("/console/tickets?view=unassigned&after=garbage").status_code == 400
    assert client.get("/console/tickets?view=mine").get_data(as_text=True).count("data-ticket-row=") == 0


def test_view_counts_come_from_their_own_endpoint_and_stop_at_the_cap(client, agent_in, monkeypatch):
    from app.services.tickets import lists

    for n in range(4):
        make_ticket(n)
    monkeypatch.setattr(lists, "COUNT_CAP", 3)
    page = client.get("/console/tickets?view=all").get_data(as_text=True)
    assert 'data-view-count="unassigned"></span>' in page  # nothing counted yet: the script asks
    counts = client.get("/console/tickets/counts").get_json()
    assert counts["unassigned"] == "3+" and counts["mine"] == "0" and counts["open"] == "3+"
    client.application.config["HELPDESK_VIEW_COUNTS_MAX_AGE_S"] = 60
    page = client.get("/console/tickets?view=all").get_data(as_text=True)
    assert 'data-view-count="unassigned">3+</span>' in page  # counted a moment ago: shown at once


def test_reply_and_properties_and_a_stale_form(client, agent_in, post_form):
    ticket = make_ticket(1)
    page = f"/console/tickets/{ticket.id}"
    assert client.get(page).status_code == 200
    response = post_form(f"{page}/reply", {"body": "On its way", "status_after": "pending"}, page=page)
    assert response.status_code == 302 and intake.get_ticket(ticket.id).status == "pending"
    assert post_form(f"{page}/reply", {"body": " "}, page=page).status_code == 400
    updates.update_ticket(ticket.id, {"priority": "urgent"}, expected_version=2, by=CLI)
    stale = post_form(f"{page}/properties", {"status": "open", "priority": "low", "type": "question",
                                             "assignee_id": str(agent_in.id), "group_id": "", "tags": "late",
                                             "version": "2"}, page=page)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "changed priority from Normal to Urgent" in html
    assert 'value="late"' in html and intake.get_ticket(ticket.id).priority == "urgent"  # kept, not saved
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    saved = post_form(f"{page}/properties", {"status": "open", "priority": "low", "type": "question",
                                             "assignee_id": str(agent_in.id), "group_id": "", "tags": "late",
                                             "version": version}, page=page)
    assert saved.status_code == 302
    state = intake.get_ticket(ticket.id)
    assert (state.priority, state.assignee_id, state.status) == ("low", agent_in.id, "open")


def test_a_new_ticket_on_a_customers_behalf_is_made_once(client, agent_in):
    html = client.get("/console/tickets/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "client_key": re.search(r'name="client_key" type="hidden" value="(\w+)"',
                                                                   html).group(1),
            "email": "phone@example.com", "subject": "Called about a refund", "body": "Wants the money back.",
            "priority": "high"}
    assert client.post("/console/tickets/new", data=data).status_code == 302
    assert client.post("/console/tickets/new", data=data).status_code == 302  # a double submit
    rows = db.session.execute(db.select(Ticket.channel, Ticket.priority)).all()
    assert [tuple(r) for r in rows] == [("agent", "high")]
    author = db.session.scalar(db.select(TicketMessage.author_agent_id))
    assert author == agent_in.id
    assert client.post("/console/tickets/new", data={**data, "client_key": "k2", "email": "x"}).status_code == 400


def test_a_chat_turned_into_a_ticket_from_the_conversation_page(client, agent_in, post_form):
    conversation = make_conversation("anon-v", "cust-v", message="Can I change my address?")
    page = f"/console/inbox/{conversation.id}"
    assert "Turn into ticket" in client.get(page).get_data(as_text=True)
    response = post_form(f"/console/tickets/from-conversation/{conversation.id}", page=page)
    ticket = db.session.scalar(db.select(Ticket))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/console/tickets/{ticket.id}")
    assert "Can I change my address?" in client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert client.post(f"/console/tickets/from-conversation/{conversation.id}").status_code == 400  # no CSRF


def test_demo_tickets_are_seeded_once_in_several_states(app):
    from app.demo import seed

    first, second = seed.seed_demo(), seed.seed_demo()
    assert (first.tickets_created, second.tickets_created) == (7, 0)
    rows = db.session.execute(db.select(Ticket.status, Ticket.channel).order_by(Ticket.id)).all()
    assert {status for status, _ in rows} == {"new", "open", "pending", "on_hold", "solved", "closed"}
    assert {channel for _, channel in rows} == {"help_center", "api", "agent", "widget", "email"}
    # The demo rules route as tickets arrive: the invoice question went to Billing.
    invoice = db.session.scalar(db.select(Ticket).where(Ticket.subject.like("Invoice%")))
    assert db.session.get(TicketGroup, invoice.group_id).name == "Billing"
    # Every demo ticket is measured; the two aged ones have breached their first-response target.
    assert db.session.scalar(db.select(db.func.count(Ticket.id)).where(Ticket.sla_policy_id.is_(None))) == 0
    breached = db.session.scalars(db.select(Ticket.client_key).where(
        Ticket.first_response_breached_at.is_not(None)).order_by(Ticket.id)).all()
    assert breached == ["demo-t2", "demo-t4"]
