"""request_updated on /chat: an agent's public reply, a status change, a customer's reply and a new
ticket reach the widgets verified for the ticket's customer (`requests:{id}`), after the commit;
internal notes, anonymous widgets and other customers hear nothing."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from app.extensions import db, socketio
from app.services.access import visitor_tokens, widget_identity
from app.services.platform.audit import CLI
from app.services.platform.realtime import requests_room
from app.services.tickets import intake, updates
from tests.factories import make_profile, make_ticket

CHAT = "/chat"


@pytest.fixture
def emitted(monkeypatch):
    """Every realtime.emit, as (event, payload, kwargs), without sending it."""
    sent = []
    monkeypatch.setattr("app.services.platform.realtime.emit",
                        lambda event, payload, **kw: sent.append((event, payload, kw)))
    return sent


def widget(app, customer_id: str | None, anonymous_id: str = "anon-1"):
    proof = widget_identity.user_hash(customer_id) if customer_id else None
    token = visitor_tokens.issue_visitor_token(anonymous_id, customer_id, proof).token
    sio = socketio.test_client(app, namespace=CHAT, auth={"token": token})
    assert sio.is_connected(CHAT)
    return sio


def news(sio) -> list[dict]:
    return [m["args"][0] for m in sio.get_received(CHAT) if m["name"] == "request_updated"]


def test_a_public_reply_is_emitted_to_the_customers_room_and_a_note_is_not(app, make_agent, emitted):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    agent = make_agent()
    emitted.clear()
    updates.reply_as_agent(ticket.id, "Internal: check the courier", agent=agent, internal=True, by=CLI)
    assert [e for e in emitted if e[0] == "request_updated"] == []
    updates.reply_as_agent(ticket.id, "A new mug is on its way.", agent=agent, by=CLI)
    (event,) = [e for e in emitted if e[0] == "request_updated"]
    assert event == ("request_updated", {"ticket_id": ticket.id, "reason": "agent_reply"},
                     {"room": requests_room(ticket.requester_id), "namespace": CHAT})


def test_the_emit_follows_the_commit(app, make_agent, monkeypatch):
    """What the widget fetches on request_updated is already committed when the event leaves."""
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    seen = []

    def emit(event, payload, **kw):
        if event == "request_updated":  # read on another connection: only committed rows show
            with contextlib.closing(sqlite3.connect(path)) as other:
                seen.append(other.execute("SELECT count(*) FROM ticket_messages WHERE body = 'Answer'").fetchone())

    monkeypatch.setattr("app.services.platform.realtime.emit", emit)
    updates.reply_as_agent(ticket.id, "Answer", agent=make_agent(), by=CLI)
    assert seen == [(1,)]


def test_a_verified_widget_hears_replies_and_status_changes_live(app, make_agent):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    make_ticket(customer=make_profile("cust-2"), channel="api")
    mine, other, anonymous = widget(app, "cust-1"), widget(app, "cust-2", "anon-2"), widget(app, None, "anon-3")
    agent = make_agent()
    updates.reply_as_agent(ticket.id, "A note", agent=agent, internal=True, by=CLI)
    assert news(mine) == []
    message = updates.reply_as_agent(ticket.id, "A new mug is on its way.", agent=agent, by=CLI)
    assert news(mine) == [{"ticket_id": ticket.id, "reason": "agent_reply"}]
    db.session.expire_all()
    version = intake.get_ticket(ticket.id).version
    updates.update_ticket(ticket.id, {"priority": "high"}, expected_version=version, by=CLI)
    assert news(mine) == []  # nothing the customer sees changed
    updates.update_ticket(ticket.id, {"status": "solved"}, expected_version=version + 1, by=CLI)
    assert news(mine) == [{"ticket_id": ticket.id, "reason": "status"}]
    updates.reply_as_customer(ticket.id, "Thanks!", channel="email", by=CLI, client_key=f"after-{message.id}")
    assert news(mine) == [{"ticket_id": ticket.id, "reason": "customer_reply"}]
    assert news(other) == [] and news(anonymous) == []


def test_an_anonymous_widget_on_the_same_profile_never_joins_the_requests_room(app):
    """A profile seen anonymously first and identified later: the old anonymous token's socket
    does not reach the customer's ticket news."""
    early = widget(app, None, "anon-9")  # the anonymous profile, before the shopper signs in
    make_profile("cust-9", "anon-9")  # signing in adopts that profile
    ticket = make_ticket(customer="cust-9", subject="Where is it?", body="Order 9", channel="api")
    verified = widget(app, "cust-9", "anon-9")
    updates.update_ticket(ticket.id, {"status": "open"}, expected_version=ticket.version, by=CLI)
    assert news(verified) == [{"ticket_id": ticket.id, "reason": "status"}]
    assert news(early) == []
