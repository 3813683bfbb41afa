"""GET /api/v1/customers/<id>/conversations and /api/v1/conversations/<id>: a customer's chats for
the shop's server, public messages only, behind the API key."""

from __future__ import annotations

import pytest

from app.services import customer_privacy
from app.services.access import api_keys
from app.services.conversations import live_chat
from app.services.platform.audit import CLI
from tests.factories import make_conversation


@pytest.fixture
def headers(app):
    return {"Authorization": f"Bearer {api_keys.create_api_key('Shop server', by=CLI).secret}"}


@pytest.fixture
def chat(app, make_agent):
    agent = make_agent(name="Bea")
    conversation = make_conversation("anon-api", "cust-api", message="Where is my order?")
    live_chat.send_agent_message(agent, conversation.id, "n1", "VIP, be quick", internal=True)
    live_chat.send_agent_message(agent, conversation.id, "a1", "On its way!")
    return conversation


def test_a_customers_conversations_and_one_conversations_public_messages(client, headers, chat):
    listed = client.get("/api/v1/customers/cust-api/conversations", headers=headers)
    assert listed.status_code == 200
    (row,) = listed.json["conversations"]
    assert (row["id"], row["customer_id"], row["status"], row["message_count"]) == (chat.id, "cust-api", "open", 2)
    detail = client.get(f"/api/v1/conversations/{chat.id}", headers=headers).json
    assert [(m["author_type"], m["author_name"], m["body"]) for m in detail["messages"]] == [
        ("visitor", None, "Where is my order?"), ("agent", "Bea", "On its way!")]  # the note is not there
    later = client.get(f"/api/v1/conversations/{chat.id}?since_seq=2", headers=headers).json
    assert [m["body"] for m in later["messages"]] == ["On its way!"]


@pytest.mark.parametrize("path", ["/api/v1/customers/nobody/conversations", "/api/v1/conversations/999",
                                  "/api/v1/conversations/1?since_seq=-1", "/api/v1/conversations/1?since_seq=x"])
def test_unknown_ids_and_bad_queries_are_clear_4xx(client, headers, chat, path):
    response = client.get(path, headers=headers)
    assert response.status_code in (404, 422) and response.json["error"]["message"]


def test_the_key_is_required_and_erased_customers_are_gone(client, headers, chat):
    assert client.get(f"/api/v1/conversations/{chat.id}").status_code == 401
    customer_privacy.erase_customer(chat.customer_id, by=CLI)
    assert client.get(f"/api/v1/conversations/{chat.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/customers/cust-api/conversations", headers=headers).status_code == 404
