"""A visitor token acts only for the profile it owns (security review, item 4).

A customer signs in on a device (a token verified by user_hash, carrying the device's anonymous
visitor id). Later an anonymous token for that same visitor id (the old one, or one asked for
afresh by whoever has the id) tries every command: it must reach nothing of the customer's, and
two anonymous visitors reach nothing of each other's. Over SQLite and PostgreSQL, through the
/chat namespace and the widget's HTTP API.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Conversation, Customer, Ticket
from app.services.access import visitor_tokens
from app.services.conversations import live_chat
from tests.support.chat_sockets import CHAT, call, visitor_socket

DEVICE = "anon-device"


def heard(sio) -> list[str]:
    return [m["args"][0]["body"] for m in sio.get_received(CHAT) if m["name"] == "message_created"]


@pytest.fixture
def signed_in(any_app, make_agent):
    """The customer's conversation, started from the device while signed in, and an agent's reply."""
    old_token = visitor_socket(any_app, DEVICE)  # the device's anonymous socket from before the sign-in
    customer = visitor_socket(any_app, DEVICE, "c-mia")
    conversation_id = call(customer, "start_conversation", {"client_key": "k-1"})["conversation"]["id"]
    call(customer, "send_message", {"conversation_id": conversation_id, "client_msg_id": "m1",
                                    "body": "My address is 1 Canal Street"})
    agent = make_agent(name="Bea")
    return any_app, old_token, conversation_id, agent


def test_an_anonymous_token_on_the_customers_visitor_id_starts_nothing_of_theirs(signed_in):
    app, old, conversation_id, agent = signed_in
    intruder = visitor_socket(app, DEVICE)
    refused = call(intruder, "start_conversation", {"client_key": "k-1"})  # the customer's own client key
    assert refused == {"ok": False, "error": {"code": "identity_required", "message": refused["error"]["message"]}}
    left = call(intruder, "leave_message", {"client_key": "k-2", "email": "x@example.com", "body": "Refund me"})
    assert left["error"]["code"] == "identity_required"
    assert call(intruder, "list_conversations") == {"ok": True, "conversations": []}
    assert call(intruder, "join_conversation", {"conversation_id": conversation_id, "since_seq": 0})["error"][
        "code"] == "not_found"
    sent = call(intruder, "send_message", {"conversation_id": conversation_id, "client_msg_id": "x1", "body": "hi"})
    assert sent["error"]["code"] == "not_found"
    live_chat.send_agent_message(agent, conversation_id, "a1", "Your refund is on its way, Mia")
    assert heard(intruder) == [] and heard(old) == []
    owner = db.session.scalar(select(Customer.id).where(Customer.external_id == "c-mia"))
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.requester_id == owner)) == 0


def test_the_verified_customer_still_reaches_their_chat(signed_in):
    app, _old, conversation_id, agent = signed_in
    again = visitor_socket(app, DEVICE, "c-mia")
    assert call(again, "start_conversation", {"client_key": "k-1"})["conversation"]["id"] == conversation_id
    assert [c["id"] for c in call(again, "list_conversations")["conversations"]] == [conversation_id]


def test_a_fresh_anonymous_visitor_on_the_same_device_chats_as_themselves(signed_in):
    app, _old, conversation_id, _agent = signed_in
    fresh = visitor_socket(app, "anon-fresh")  # what the widget does after identity_required
    started = call(fresh, "start_conversation", {"client_key": "k-1"})["conversation"]["id"]
    assert started != conversation_id
    assert [c["id"] for c in call(fresh, "list_conversations")["conversations"]] == [started]


def test_two_anonymous_visitors_reach_nothing_of_each_other(any_app):
    one, two = visitor_socket(any_app, "anon-one"), visitor_socket(any_app, "anon-two")
    mine = call(one, "start_conversation", {"client_key": "same-key"})["conversation"]["id"]
    theirs = call(two, "start_conversation", {"client_key": "same-key"})["conversation"]["id"]
    assert mine != theirs
    assert call(two, "join_conversation", {"conversation_id": mine, "since_seq": 0})["error"]["code"] == "not_found"
    assert call(two, "mark_read", {"conversation_id": mine, "seq": 1})["error"]["code"] == "not_found"
    assert call(two, "typing", {"conversation_id": mine, "typing": True})["error"]["code"] == "not_found"
    client = any_app.test_client()
    token = visitor_tokens.issue_visitor_token("anon-two").token
    # Requests (tickets) are for verified customers only, whatever the visitor id.
    listed = client.get("/api/v1/widget/requests", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 403
