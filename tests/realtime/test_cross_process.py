"""Two server processes joined by Redis: a deactivation on one reaches the agent's socket on the other."""

from __future__ import annotations

import queue
import time
from contextlib import ExitStack

import pytest
import redis

from tests.realtime import helpers
from tests.realtime import test_chat_live as chat

pytestmark = pytest.mark.redis


def wait_for_subscriber(redis_url: str, timeout: float = 5.0, count: int = 1) -> None:
    """Wait until a server listens on the message queue, as pub/sub drops what nobody hears.

    The listener starts with the server's first socket, in a thread. Counted on our database
    only (CLIENT LIST `db=`), since the channel name is shared by every helpdesk on this Redis.
    """
    db = int(redis_url.rsplit("/", 1)[1])
    client = redis.Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(int(c["db"]) == db and int(c["sub"]) > 0 for c in client.client_list()) >= count:
                return
            time.sleep(0.05)
    finally:
        client.close()
    raise AssertionError(f"fewer than {count} Socket.IO subscribers on {redis_url} within {timeout}s")


def two_servers(stack: ExitStack, env: dict, tmp_path):
    """Servers A and B on the same database and Redis, stopped when the stack closes."""
    servers = []
    for name in ("a", "b"):
        server = helpers.start_server(env, tmp_path / f"{name}.log")
        stack.callback(server.stop)
        servers.append(server)
    return servers


def test_deactivation_on_one_server_reaches_the_socket_on_the_other(shared_env, realtime_redis_url, tmp_path):
    env = dict(shared_env, REDIS_URL=realtime_redis_url)
    with ExitStack() as stack:
        server_a, server_b = two_servers(stack, env, tmp_path)
        admin = helpers.sign_in(server_a.url, *helpers.ADMIN)
        stack.callback(admin.close)
        bea = helpers.sign_in(server_b.url, *helpers.BEA)
        stack.callback(bea.close)

        client, events = helpers.connect_console(server_b.url, bea)
        stack.callback(client.disconnect)
        bea_id = helpers.get_session(client)["agent"]["id"]
        wait_for_subscriber(realtime_redis_url)

        assert helpers.deactivate(admin, bea_id).status_code == 302

        assert events.wait_for("session_revoked") == ("session_revoked", {"agent_id": bea_id})
        helpers.assert_refused(client, events)
        assert helpers.agent_row(admin, "bea@demo.shop") == (bea_id, "Deactivated")


def test_a_visitor_on_one_server_and_an_agent_on_the_other_talk_both_ways(shared_env, realtime_redis_url, tmp_path):
    """The live-chat issue's two-process requirement: /chat on server A, /console on server B."""
    env = dict(shared_env, REDIS_URL=realtime_redis_url, HELPDESK_ALLOWED_ORIGINS=chat.SHOP)
    with ExitStack() as stack:
        server_a, server_b = two_servers(stack, env, tmp_path)
        bea = helpers.sign_in(server_b.url, *helpers.BEA)
        stack.callback(bea.close)
        agent, _events = helpers.connect_console(server_b.url, bea)
        stack.callback(agent.disconnect)
        agent_inbox: queue.Queue = queue.Queue()
        agent.on("message_created", agent_inbox.put, namespace=helpers.CONSOLE)
        visitor, visitor_inbox = chat.connect_visitor(server_a.url, chat.visitor_token(server_a.url, "anon-2proc"))
        stack.callback(visitor.disconnect)
        wait_for_subscriber(realtime_redis_url, count=2)

        conversation_id = visitor.call("start_conversation", namespace=chat.CHAT, timeout=5)["conversation"]["id"]
        assert agent.call("join_conversation", {"conversation_id": conversation_id},
                          namespace=helpers.CONSOLE, timeout=5)["ok"]
        visitor.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "v1",
                                      "body": "Hello from server A"}, namespace=chat.CHAT, timeout=5)
        assert agent_inbox.get(timeout=5)["body"] == "Hello from server A"
        agent.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "a1",
                                    "body": "Hello from server B"}, namespace=helpers.CONSOLE, timeout=5)
        bodies = [m["body"] for m in chat.receive_until(visitor_inbox, "a1")]
        assert bodies == ["Hello from server A", "Hello from server B"]
