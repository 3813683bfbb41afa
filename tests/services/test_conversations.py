"""The chat service on SQLite and PostgreSQL: tokens, ownership, idempotent sends, order, resume, notes."""

from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.models import Customer, Message, StageTransition
from app.services.access import visitor_tokens, widget_identity
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import live_chat
from app.services.errors import DomainError, NotFoundError, PermissionDeniedError, TooLongError, UnauthorizedError


@pytest.fixture
def agent(any_app, make_agent):
    return make_agent()


def test_token_round_trip_and_identity(any_app):
    token = visitor_tokens.issue_visitor_token("anon-1").token
    assert visitor_tokens.read_visitor_token(token) == Visitor("anon-1", None)
    proof = widget_identity.user_hash("cust-9")
    token = visitor_tokens.issue_visitor_token("anon-1", "cust-9", proof).token
    assert visitor_tokens.read_visitor_token(token) == Visitor("anon-1", "cust-9")
    with pytest.raises(PermissionDeniedError):
        visitor_tokens.issue_visitor_token("anon-1", "cust-9", "0" * 64)


@pytest.mark.parametrize("token", [None, "", "garbage", 42])
def test_bad_tokens_are_refused(any_app, token):
    with pytest.raises(UnauthorizedError):
        visitor_tokens.read_visitor_token(token)


def test_forged_and_expired_tokens_are_refused(any_app, monkeypatch):
    good = visitor_tokens.issue_visitor_token("anon-1").token
    with pytest.raises(UnauthorizedError):
        visitor_tokens.read_visitor_token(good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    any_app.config["HELPDESK_VISITOR_TOKEN_SECONDS"] = 60
    now = time.time()
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: now - 120)  # signed two minutes ago
        old = visitor_tokens.issue_visitor_token("anon-1").token
    with pytest.raises(UnauthorizedError, match="expired"):
        visitor_tokens.read_visitor_token(old)


def test_resend_returns_the_stored_message(any_app):
    visitor = Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    first = live_chat.send_visitor_message(visitor, conversation.id, "m-1", "hello")
    again = live_chat.send_visitor_message(visitor, conversation.id, "m-1", "hello (resent)")
    assert (again.id, again.seq, again.body) == (first.id, 1, "hello")
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 1


def test_seq_orders_both_sides_and_resume_returns_the_rest(any_app, agent):
    visitor = Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    live_chat.send_visitor_message(visitor, conversation.id, "v1", "hi")
    live_chat.send_agent_message(agent, conversation.id, "a1", "hello")
    live_chat.send_visitor_message(visitor, conversation.id, "v2", "help?")
    conversation = live_chat.visitor_conversation(visitor, conversation.id)
    assert conversation.last_seq == 3
    since = live_chat.messages_since(conversation, 1, include_internal=False)
    assert [(m.seq, m.client_msg_id) for m in since] == [(2, "a1"), (3, "v2")]


def test_a_visitor_reaches_only_their_own_conversations(any_app):
    mine = live_chat.start_conversation(Visitor("anon-1"))
    other = Visitor("anon-2")
    live_chat.start_conversation(other)
    for call in (lambda: live_chat.visitor_conversation(other, mine.id),
                 lambda: live_chat.send_visitor_message(other, mine.id, "x", "intrusion"),
                 lambda: live_chat.visitor_conversation(other, 999_999)):
        with pytest.raises(NotFoundError, match="No such conversation"):
            call()
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0


def test_anonymous_token_loses_access_once_the_profile_is_identified(any_app):
    visitor = Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    identified = Visitor("anon-1", "cust-1")
    live_chat.start_conversation(identified)  # links the anonymous profile to the customer
    assert live_chat.visitor_conversation(identified, conversation.id).id == conversation.id
    with pytest.raises(NotFoundError):
        live_chat.visitor_conversation(visitor, conversation.id)


def test_a_visitor_message_reopens_a_resolved_conversation(any_app):
    visitor = Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    conversation.status = "resolved"
    db.session.commit()
    live_chat.send_visitor_message(visitor, conversation.id, "v1", "one more thing")
    assert live_chat.visitor_conversation(visitor, conversation.id).status == "open"


def test_internal_notes_are_hidden_from_the_visitor(any_app, agent):
    visitor = Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    live_chat.send_agent_message(agent, conversation.id, "n1", "VIP, be nice", internal=True)
    live_chat.send_agent_message(agent, conversation.id, "a1", "Hello!")
    public = live_chat.messages_since(conversation, 0, include_internal=False)
    everything = live_chat.messages_since(conversation, 0, include_internal=True)
    assert [m.body for m in public] == ["Hello!"]
    assert [m.body for m in everything] == ["VIP, be nice", "Hello!"]


@pytest.mark.parametrize(("client_msg_id", "body", "error"), [
    ("m", "x" * 5001, TooLongError), ("m", "   ", DomainError), ("", "hi", DomainError),
    ("m" * 65, "hi", DomainError), (7, "hi", DomainError),
])
def test_bad_messages_are_refused_and_nothing_is_stored(any_app, client_msg_id, body, error):
    visitor = Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    with pytest.raises(error):
        live_chat.send_visitor_message(visitor, conversation.id, client_msg_id, body)
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0


def test_starting_a_chat_is_engagement_and_moves_the_visitor_to_acquisition(app):
    conversation = live_chat.start_conversation(Visitor(anonymous_id="anon-chat-stage"))
    customer = db.session.get(Customer, conversation.customer_id)
    assert customer.stage == "acquisition" and customer.engaged_at is not None
    assert "engaged" in customer.stage_reason
    stages = db.session.scalars(db.select(StageTransition.to_stage).where(StageTransition.customer_id == customer.id))
    assert list(stages) == ["acquisition"]
