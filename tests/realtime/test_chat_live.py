"""Live chat on a real server: a python-socketio visitor on /chat and an agent on /console talk both
ways, and a visitor that reconnects with since_seq gets exactly what it missed, once (D4)."""

from __future__ import annotations

import queue
import time

import pytest
import requests
import socketio

from tests.realtime import helpers

CHAT = "/chat"
CONSOLE = helpers.CONSOLE
SHOP = "http://shop.test"


def visitor_token(base_url: str, anonymous_id: str) -> str:
    response = requests.post(base_url + "/api/v1/widget/session", json={"anonymous_id": anonymous_id},
                             headers={"Origin": SHOP}, timeout=10)
    assert response.status_code == 200, response.text[:300]
    return response.json()["token"]


def connect_visitor(base_url: str, token: str) -> tuple[socketio.Client, queue.Queue]:
    """A widget-like socket from the shop's origin; message_created payloads land in the queue."""
    client = helpers.ConsoleClient(reconnection=False, websocket_extra_options={"origin": SHOP})
    received: queue.Queue = queue.Queue()
    client.on("message_created", received.put, namespace=CHAT)
    client.connect(base_url, auth={"token": token}, transports=["websocket"], namespaces=[CHAT], wait_timeout=5)
    return client, received


def receive_until(received: queue.Queue, client_msg_id: str, timeout: float = 5) -> list[dict]:
    """The messages that arrive up to and including the one with this client_msg_id, in order
    (AssertionError when it does not come within timeout). A socket hears in the order things were
    sent to it, so anything sent before that message, a repeat included, is in the list."""
    items: list[dict] = []
    deadline = time.monotonic() + timeout
    while not items or items[-1]["client_msg_id"] != client_msg_id:
        try:
            items.append(received.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError(f"no {client_msg_id} within {timeout}s; heard {items}") from None
    return items


@pytest.fixture
def agent(console_server):
    session = helpers.sign_in(console_server.url, *helpers.BEA)
    client, _events = helpers.connect_console(console_server.url, session)
    received: queue.Queue = queue.Queue()
    client.on("message_created", received.put, namespace=CONSOLE)
    yield client, received
    client.disconnect()
    session.close()


def test_visitor_and_agent_talk_and_a_reconnecting_visitor_gets_what_it_missed_once(console_server, agent):
    agent_client, agent_inbox = agent
    token = visitor_token(console_server.url, "anon-live")
    visitor, visitor_inbox = connect_visitor(console_server.url, token)
    try:
        conversation_id = visitor.call("start_conversation", namespace=CHAT, timeout=5)["conversation"]["id"]
        assert agent_client.call("join_conversation", {"conversation_id": conversation_id},
                                 namespace=CONSOLE, timeout=5)["ok"]
        sent = visitor.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "v1",
                                             "body": "Where is my order?"}, namespace=CHAT, timeout=5)
        assert agent_inbox.get(timeout=5)["client_msg_id"] == "v1" and sent["message"]["seq"] == 1
        agent_client.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "a1",
                                           "body": "Checking now."}, namespace=CONSOLE, timeout=5)
        assert [m["client_msg_id"] for m in receive_until(visitor_inbox, "a1")] == ["v1", "a1"]  # its own too
    finally:
        visitor.disconnect()

    for n, internal in ((2, False), (3, True), (4, False)):
        agent_client.call("send_message", {"conversation_id": conversation_id, "client_msg_id": f"a{n}",
                                           "body": f"reply {n}", "internal": internal}, namespace=CONSOLE, timeout=5)

    visitor, visitor_inbox = connect_visitor(console_server.url, token)
    try:
        resumed = visitor.call("join_conversation", {"conversation_id": conversation_id, "since_seq": 2},
                               namespace=CHAT, timeout=5)
        assert [m["client_msg_id"] for m in resumed["messages"]] == ["a2", "a4"]  # the note (seq 4) is hidden
        assert [m["seq"] for m in resumed["messages"]] == [3, 5]
        # Nothing arrives a second time: the next message is the first thing it hears.
        agent_client.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "a5",
                                           "body": "reply 5"}, namespace=CONSOLE, timeout=5)
        assert [m["client_msg_id"] for m in receive_until(visitor_inbox, "a5")] == ["a5"]
    finally:
        visitor.disconnect()


def test_an_oversized_frame_drops_only_its_sender(console_server):
    """W5: a frame over HELPDESK_SOCKET_MAX_BYTES (64 KiB) closes that socket; another visitor's
    chat goes on, and the server is alive."""
    big, _ = connect_visitor(console_server.url, visitor_token(console_server.url, "anon-big"))
    calm, calm_inbox = connect_visitor(console_server.url, visitor_token(console_server.url, "anon-calm"))
    dropped: queue.Queue = queue.Queue()
    big.on("disconnect", lambda *reason: dropped.put(reason), namespace=CHAT)
    try:
        mine = big.call("start_conversation", namespace=CHAT, timeout=5)["conversation"]["id"]
        theirs = calm.call("start_conversation", namespace=CHAT, timeout=5)["conversation"]["id"]
        big.emit("send_message", {"conversation_id": mine, "client_msg_id": "huge", "body": "x" * 200_000},
                 namespace=CHAT)
        dropped.get(timeout=5)
        ack = calm.call("send_message", {"conversation_id": theirs, "client_msg_id": "ok", "body": "still here"},
                        namespace=CHAT, timeout=5)
        assert ack["ok"] and requests.get(console_server.url + "/healthz", timeout=5).status_code == 200
    finally:
        helpers.close_client(big)
        calm.disconnect()
