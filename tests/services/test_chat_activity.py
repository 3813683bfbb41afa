"""Starting chats (idempotent, pre-chat answers, left messages), "seen" receipts and unread counts,
typing, viewers and reaching out to a visitor, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Conversation, Customer, Message
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import activity, live_chat, settings
from app.services.conversations.live_chat import StartRequest
from app.services.conversations.settings import ChatSettings, PrechatField
from app.services.errors import DomainError, NotFoundError
from app.services.platform import presence
from app.services.platform.audit import CLI


@pytest.fixture
def emitted(monkeypatch):
    sent = []
    monkeypatch.setattr("app.services.platform.realtime.emit",
                        lambda event, payload, **kw: sent.append((event, payload, kw)))
    return sent


def test_a_retried_start_returns_the_first_conversation(any_app):
    visitor = Visitor("anon-1")
    first = live_chat.start_conversation(visitor, StartRequest(client_key="k-1"))
    again = live_chat.start_conversation(visitor, StartRequest(client_key="k-1"))
    other = live_chat.start_conversation(visitor, StartRequest(client_key="k-2"))
    assert again.id == first.id != other.id
    assert db.session.scalar(db.select(db.func.count(Conversation.id))) == 2


def test_prechat_answers_fill_an_empty_profile_and_required_questions_are_enforced(any_app):
    settings.save(ChatSettings(prechat_enabled=True, prechat_fields=(PrechatField("order", "Order number",
                                                                                       required=True),)), by=CLI)
    visitor = Visitor("anon-1")
    with pytest.raises(DomainError, match="Order number"):
        live_chat.start_conversation(visitor, StartRequest(answers={"name": "Ana"}))
    with pytest.raises(DomainError, match="valid email"):
        live_chat.start_conversation(visitor, StartRequest(answers={"order": "A-1", "email": "nope"}))
    conversation = live_chat.start_conversation(visitor, StartRequest(
        answers={"name": "Ana", "email": "ana@example.com", "order": "A-1", "unknown": "dropped"}))
    customer = db.session.get(Customer, conversation.customer_id)
    assert (customer.name, customer.email) == ("Ana", "ana@example.com")
    assert conversation.prechat == {"name": "Ana", "email": "ana@example.com", "order": "A-1"}
    assert settings.widget_config(settings.current(), live_chat.known_contact(visitor)) == {
        "enabled": True, "fields": [{"key": "order", "label": "Order number", "type": "text", "required": True}]}


def test_a_left_message_is_a_conversation_with_its_email_and_message(any_app, emitted):
    visitor = Visitor("anon-1")
    request = StartRequest(client_key="left-1", channel="offline_message", contact_email="ana@example.com")
    conversation = live_chat.start_conversation(visitor, request, first_message="Call me back please")
    assert (conversation.channel, conversation.contact_email, conversation.unread_for_agents) == (
        "offline_message", "ana@example.com", 1)
    body = db.session.scalar(db.select(Message.body).where(Message.conversation_id == conversation.id))
    assert body == "Call me back please"
    assert ("conversation_created", "inbox") in [(e, kw["room"]) for e, _, kw in emitted]
    with pytest.raises(DomainError, match="valid email"):
        live_chat.start_conversation(visitor, StartRequest(channel="offline_message"), first_message="hi")


def test_unread_counts_and_read_receipts(any_app, make_agent, emitted):
    agent, visitor = make_agent(), Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    for n in range(3):
        live_chat.send_visitor_message(visitor, conversation.id, f"v{n}", f"question {n}")
    assert db.session.get(Conversation, conversation.id).unread_for_agents == 3
    activity.agent_read(agent, conversation.id, 2)
    state = db.session.get(Conversation, conversation.id)
    assert (state.agent_read_seq, state.unread_for_agents) == (2, 1)
    activity.agent_read(agent, conversation.id, 1)  # never backwards
    assert db.session.get(Conversation, conversation.id).agent_read_seq == 2
    live_chat.send_agent_message(agent, conversation.id, "a1", "Here to help")  # replying reads all
    live_chat.send_agent_message(agent, conversation.id, "n1", "note", internal=True)
    state = db.session.get(Conversation, conversation.id)
    assert (state.unread_for_agents, state.unread_for_visitor, state.agent_read_seq) == (0, 1, 4)
    activity.visitor_read(visitor, conversation.id, 99)  # capped at the last seq
    state = db.session.get(Conversation, conversation.id)
    assert (state.visitor_read_seq, state.unread_for_visitor) == (5, 0)
    reads = [p for e, p, kw in emitted if e == "read"]
    assert {"conversation_id": conversation.id, "reader": "visitor", "seq": 5} in reads


def test_typing_goes_to_the_right_rooms_and_needs_the_conversation(any_app, make_agent, emitted):
    agent, visitor = make_agent(), Visitor("anon-1")
    conversation = live_chat.start_conversation(visitor)
    emitted.clear()
    activity.visitor_typing(visitor, conversation.id, True)
    activity.agent_typing(agent, conversation.id, True, internal=True)
    activity.agent_typing(agent, conversation.id, False)
    rooms = [(e, kw["room"], kw["namespace"]) for e, _, kw in emitted]
    agents_room, visitor_room = f"conversation:{conversation.id}:agents", f"conversation:{conversation.id}"
    assert rooms == [("typing", agents_room, "/console"), ("typing", agents_room, "/console"),
                     ("typing", agents_room, "/console"), ("typing", visitor_room, "/chat")]
    with pytest.raises(NotFoundError):
        activity.visitor_typing(Visitor("anon-2"), conversation.id, True)


def test_viewers_are_the_agents_whose_consoles_show_the_conversation(any_app, make_agent):
    bea, chris = make_agent(name="Bea"), make_agent(name="Chris")
    conversation = live_chat.start_conversation(Visitor("anon-1"))
    for sid, agent in (("s1", bea), ("s2", chris), ("s3", chris)):
        presence.connect(sid, presence.CONSOLE, agent_id=agent.id)
    activity.view(bea, "s1", conversation.id)
    activity.view(chris, "s2", conversation.id)
    activity.view(chris, "s3", conversation.id)
    assert [v["display_name"] for v in presence.viewers(conversation.id)] == ["Bea", "Chris"]
    activity.view(bea, "s1", None)
    presence.disconnect("s2")
    assert [v["display_name"] for v in presence.viewers(conversation.id)] == ["Chris"]


def test_reaching_out_starts_a_proactive_chat_on_every_tab_of_the_visitor(any_app, make_agent, emitted):
    agent = make_agent()
    customer_id = live_chat.start_conversation(Visitor("anon-1")).customer_id
    presence.connect("w1", presence.CHAT, customer_id=customer_id, page_url="https://shop.test/checkout")
    assert [v.page_url for v in presence.visitors_online()] == ["https://shop.test/checkout"]
    conversation = activity.reach_out(agent, customer_id, "Need a hand with checkout?", "reach-1")
    again = activity.reach_out(agent, customer_id, "Need a hand with checkout?", "reach-1")
    assert again.id == conversation.id
    state = (conversation.channel, conversation.assignee_id, conversation.unread_for_visitor)
    assert state == ("proactive", agent.id, 1)
    started = [p for e, p, kw in emitted if e == "conversation_started" and kw["room"] == f"profile:{customer_id}"]
    assert started[-1]["message"]["body"] == "Need a hand with checkout?" and started[-1]["proactive"] is True
    with pytest.raises(NotFoundError):
        activity.reach_out(agent, 999_999, "hello", "reach-2")


def test_the_widget_lists_a_visitors_conversations_newest_first(any_app, make_agent):
    agent, visitor = make_agent(), Visitor("anon-1")
    old = live_chat.start_conversation(visitor)
    live_chat.send_visitor_message(visitor, old.id, "v1", "first question")
    new = live_chat.start_conversation(visitor)
    live_chat.send_visitor_message(visitor, new.id, "v2", "second question")
    live_chat.send_agent_message(agent, new.id, "n1", "internal", internal=True)
    listed = live_chat.visitor_conversations(visitor)
    assert [(row.conversation.id, row.last_message.body) for row in listed] == [
        (new.id, "second question"), (old.id, "first question")]
    assert live_chat.visitor_conversations(Visitor("anon-2")) == []
