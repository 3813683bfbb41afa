"""Wiring of /chat and the console's chat commands, through Flask-SocketIO's test client (W2, W3, W5, W6)."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.extensions import db, socketio
from app.models import Message
from app.services.access import visitor_tokens, widget_identity
from tests.support.chat_sockets import CHAT, call, visitor_socket

CONSOLE = "/console"
SHOP = "https://shop.example"
SESSION_URL = "/api/v1/widget/session"






def created(sio, namespace: str = CHAT) -> list[dict]:
    return [m["args"][0] for m in sio.get_received(namespace) if m["name"] == "message_created"]


def message_count() -> int:
    return db.session.scalar(db.select(db.func.count(Message.id)))


def _expired_token(app, monkeypatch) -> str:
    """A real token, signed two minutes ago, with a lifetime of one."""
    app.config["HELPDESK_VISITOR_TOKEN_SECONDS"] = 60
    now = time.time()
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: now - 120)
        return visitor_tokens.issue_visitor_token("anon-old").token


@pytest.mark.parametrize("auth", [None, {}, {"token": "garbage"}, {"token": 42}, "token"])
def test_connect_without_a_valid_token_is_refused(app, auth):
    sio = socketio.test_client(app, namespace=CHAT, auth=auth)
    assert not sio.is_connected(CHAT)


def test_forged_and_expired_tokens_and_foreign_origins_are_refused(app, monkeypatch):
    forged = URLSafeTimedSerializer("not-our-key", salt=visitor_tokens.TOKEN_SALT).dumps({"a": "x", "c": None})
    assert not socketio.test_client(app, namespace=CHAT, auth={"token": forged}).is_connected(CHAT)
    expired = _expired_token(app, monkeypatch)
    assert not socketio.test_client(app, namespace=CHAT, auth={"token": expired}).is_connected(CHAT)
    token = visitor_tokens.issue_visitor_token("anon-1").token
    foreign = socketio.test_client(app, namespace=CHAT, auth={"token": token}, headers={"Origin": "https://evil.test"})
    assert not foreign.is_connected(CHAT)


def test_a_visitor_starts_writes_and_resumes(app):
    sio = visitor_socket(app, "anon-1")
    conversation = call(sio, "start_conversation")["conversation"]
    ack = call(sio, "send_message", {"conversation_id": conversation["id"], "client_msg_id": "m1", "body": "hi"})
    assert ack["ok"] and ack["message"]["seq"] == 1
    assert [m["client_msg_id"] for m in created(sio)] == ["m1"]
    resend = call(sio, "send_message", {"conversation_id": conversation["id"], "client_msg_id": "m1", "body": "hi"})
    assert resend["message"]["id"] == ack["message"]["id"] and created(sio) == [] and message_count() == 1
    joined = call(sio, "join_conversation", {"conversation_id": conversation["id"], "since_seq": 0})
    assert [m["seq"] for m in joined["messages"]] == [1]


def test_a_visitor_cannot_join_or_post_to_another_visitors_conversation(app):
    owner = visitor_socket(app, "anon-owner")
    conversation_id = call(owner, "start_conversation")["conversation"]["id"]
    intruder = visitor_socket(app, "anon-intruder")
    for event, data in [("join_conversation", {"conversation_id": conversation_id}),
                        ("send_message", {"conversation_id": conversation_id, "client_msg_id": "x", "body": "hey"})]:
        assert call(intruder, event, data)["error"]["code"] == "not_found"
    call(owner, "send_message", {"conversation_id": conversation_id, "client_msg_id": "m1", "body": "private"})
    assert created(intruder) == []
    assert message_count() == 1


@pytest.mark.parametrize("payload", [
    None, "text", [1, 2], {"conversation_id": "1"}, {"conversation_id": True, "client_msg_id": "m", "body": "x"},
    {"conversation_id": 1}, {"conversation_id": 1, "client_msg_id": ["m"], "body": "x"},
    {"conversation_id": 1, "client_msg_id": "m", "body": {"deep": [[[[{}]]]]}}, {"conversation_id": -3},
    {"conversation_id": 2**70, "client_msg_id": "m", "body": "x"}, {"conversation_id": 1, "since_seq": 2**64},
])
def test_malformed_payloads_get_an_error_ack(app, payload):
    sio = visitor_socket(app, "anon-1")
    call(sio, "start_conversation")
    # A good conversation_id makes a whole join_conversation (other keys are ignored), not a send_message.
    wanted = payload.get("conversation_id") if isinstance(payload, dict) else None
    joinable = type(wanted) is int and 0 < wanted < 2**31 and payload.get("since_seq", 0) < 2**31
    events = ("send_message",) if joinable else ("send_message", "join_conversation")
    for event in events:
        ack = call(sio, event, payload)
        assert ack["ok"] is False and ack["error"]["code"] in ("invalid", "not_found"), ack
    assert sio.is_connected(CHAT) and message_count() == 0


def test_an_oversized_body_gets_an_error_ack(app):
    sio = visitor_socket(app, "anon-1")
    conversation_id = call(sio, "start_conversation")["conversation"]["id"]
    ack = call(sio, "send_message", {"conversation_id": conversation_id, "client_msg_id": "m", "body": "x" * 5001})
    assert ack["error"]["code"] == "too_long" and message_count() == 0


def test_agents_and_visitors_talk_and_notes_stay_with_agents(app, console_socket):
    visitor = visitor_socket(app, "anon-1")
    conversation_id = call(visitor, "start_conversation")["conversation"]["id"]
    joined = call(console_socket, "join_conversation", {"conversation_id": conversation_id}, CONSOLE)
    assert joined["ok"] and joined["messages"] == []
    call(visitor, "send_message", {"conversation_id": conversation_id, "client_msg_id": "v1", "body": "hi"})
    assert [m["body"] for m in created(console_socket, CONSOLE)] == ["hi"]
    note = {"conversation_id": conversation_id, "client_msg_id": "n1", "body": "VIP", "internal": True}
    assert call(console_socket, "send_message", note, CONSOLE)["message"]["internal"] is True
    reply = {"conversation_id": conversation_id, "client_msg_id": "a1", "body": "Hello!"}
    assert call(console_socket, "send_message", reply, CONSOLE)["ok"]
    assert [m["body"] for m in created(console_socket, CONSOLE)] == ["VIP", "Hello!"]
    assert [m["body"] for m in created(visitor)] == ["hi", "Hello!"]
    resumed = call(visitor, "join_conversation", {"conversation_id": conversation_id, "since_seq": 1})
    assert [m["body"] for m in resumed["messages"]] == ["Hello!"]
    bad = call(console_socket, "send_message", {"conversation_id": conversation_id}, CONSOLE)
    assert bad["error"]["code"] == "invalid"


@pytest.fixture
def shop(app):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = [SHOP]


def test_the_session_endpoint_issues_tokens_and_checks_user_hash(app, client, shop):
    response = client.post(SESSION_URL, json={"anonymous_id": "anon-1"}, headers={"Origin": SHOP})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == SHOP
    assert visitor_tokens.read_visitor_token(response.json["token"]).anonymous_id == "anon-1"
    proof = widget_identity.user_hash("cust-1")
    good = {"anonymous_id": "anon-1", "customer_id": "cust-1", "user_hash": proof}
    assert client.post(SESSION_URL, json=good, headers={"Origin": SHOP}).status_code == 200
    wrong = {**good, "user_hash": "0" * 64}
    assert client.post(SESSION_URL, json=wrong, headers={"Origin": SHOP}).status_code == 403
    foreign = client.post(SESSION_URL, json={"anonymous_id": "a"}, headers={"Origin": "https://evil.test"})
    assert foreign.status_code == 403
    assert client.post(SESSION_URL, json={"nothing": 1}, headers={"Origin": SHOP}).status_code == 422


def test_a_flood_from_one_visitor_is_limited_and_other_visitors_are_not(app):
    app.config["HELPDESK_LIMIT_CHAT_MESSAGES"] = "3 per minute"
    flooder, other = visitor_socket(app, "anon-flood"), visitor_socket(app, "anon-calm")
    mine = call(flooder, "start_conversation")["conversation"]["id"]
    theirs = call(other, "start_conversation")["conversation"]["id"]
    acks = [call(flooder, "send_message", {"conversation_id": mine, "client_msg_id": f"f{n}", "body": "spam"})
            for n in range(5)]
    assert [a["ok"] for a in acks] == [True, True, True, False, False]
    assert acks[3]["error"]["code"] == "rate_limited" and acks[3]["error"]["retry_after"] >= 1
    assert flooder.is_connected(CHAT)  # refused, not dropped
    assert call(other, "send_message", {"conversation_id": theirs, "client_msg_id": "o1", "body": "hi"})["ok"]
    assert message_count() == 4


def test_status_start_with_a_client_key_list_typing_and_read(app, console_socket):
    visitor = visitor_socket(app, "anon-1")
    status = call(visitor, "get_status")
    assert status == {"ok": True, "agents_online": False, "offline_messages": True,
                      "prechat": {"enabled": False, "fields": []}}
    first = call(visitor, "start_conversation", {"client_key": "k1", "page_url": "https://shop.example/cart"})
    again = call(visitor, "start_conversation", {"client_key": "k1"})
    assert first["conversation"]["id"] == again["conversation"]["id"]
    conversation_id = first["conversation"]["id"]
    assert call(visitor, "start_conversation", {"page_url": "javascript:alert(1)"})["error"]["field"] == "page_url"
    call(visitor, "send_message", {"conversation_id": conversation_id, "client_msg_id": "v1", "body": "Hello?"})
    listed = call(visitor, "list_conversations")["conversations"]
    assert [(c["id"], c["last_message"]["body"]) for c in listed] == [(conversation_id, "Hello?")]

    joined = call(console_socket, "join_conversation", {"conversation_id": conversation_id}, CONSOLE)
    assert [v["display_name"] for v in joined["viewers"]] and joined["conversation"]["unread_for_agents"] == 1
    console_socket.get_received(CONSOLE)
    assert call(visitor, "typing", {"conversation_id": conversation_id, "typing": True})["ok"]
    assert call(console_socket, "mark_read", {"conversation_id": conversation_id, "seq": 1}, CONSOLE)["ok"]
    names = [m["name"] for m in console_socket.get_received(CONSOLE)]
    assert "typing" in names and "read" in names
    assert [m["args"][0]["reader"] for m in visitor.get_received(CHAT) if m["name"] == "read"] == ["agent"]
    assert call(visitor, "mark_read", {"conversation_id": conversation_id, "seq": "1"})["error"]["code"] == "invalid"


def test_leave_message_and_agent_commands(app, console_socket, make_agent):
    visitor = visitor_socket(app, "anon-1")
    bad = call(visitor, "leave_message", {"email": "not an email", "body": "Call me"})
    assert bad["error"]["field"] == "email" and message_count() == 0
    left = call(visitor, "leave_message", {"email": "ana@example.com", "body": "Call me", "client_key": "l1"})
    conversation_id = left["conversation"]["id"]
    assert left["conversation"]["channel"] == "offline_message" and message_count() == 1
    me = call(console_socket, "get_session", namespace=CONSOLE)["agent"]["id"]
    assert call(console_socket, "set_presence", {"presence": "online"}, CONSOLE) == {"ok": True, "presence": "online"}
    assert call(console_socket, "set_presence", {"presence": "busy"}, CONSOLE)["error"]["code"] == "invalid"
    other = make_agent()
    claimed = call(console_socket, "assign", {"conversation_id": conversation_id, "agent_id": me}, CONSOLE)
    assert claimed["conversation"]["assignee_id"] == me
    moved = call(console_socket, "assign", {"conversation_id": conversation_id, "agent_id": other.id}, CONSOLE)
    assert moved["conversation"]["assignee_id"] == other.id
    assert call(console_socket, "assign", {"conversation_id": conversation_id, "agent_id": None},
                CONSOLE)["conversation"]["assignee_id"] is None
    missing = call(console_socket, "assign", {"conversation_id": 999, "agent_id": me}, CONSOLE)
    assert missing["error"]["code"] == "not_found"
