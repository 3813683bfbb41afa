"""Revocation reaches sockets that only listen (security review, items 2 and 3).

A console socket that never sends anything used to stay connected after its sign-in was revoked
and kept receiving message bodies in its rooms; an erased customer's widget kept hearing its
conversation. Each test here keeps the victim's socket idle and waits for the server to
disconnect it, within a second, on the real server (gunicorn, gevent), and then checks that a
message sent afterwards does not reach it.
"""

from __future__ import annotations

import hashlib
import hmac
import queue
import re
from contextlib import ExitStack

import pytest
import requests

from tests.realtime import helpers
from tests.realtime import test_chat_live as chat
from tests.realtime.test_cross_process import two_servers, wait_for_subscriber

IDENTITY_SECRET = "s" * 40  # the shop's widget identity secret on these servers
WITHIN = 1.0  # the bound: a revoked socket is gone within a second


@pytest.fixture(scope="module")
def server(seeded_sqlite, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("idle-revocation")
    env = helpers.copy_database(seeded_sqlite, data_dir, HELPDESK_IDENTITY_SECRET=IDENTITY_SECRET)
    live = helpers.start_server(env, data_dir / "server.log")
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def admin(server):
    session = helpers.sign_in(server.url, *helpers.ADMIN)
    yield session
    session.close()


def customer_token(base_url: str, customer_id: str, anonymous_id: str) -> str:
    """A widget token verified for a shop customer, as the shop's user_hash proves it."""
    user_hash = hmac.new(IDENTITY_SECRET.encode(), customer_id.encode(), hashlib.sha256).hexdigest()
    response = requests.post(base_url + "/api/v1/widget/session", headers={"Origin": chat.SHOP}, timeout=10,
                             json={"anonymous_id": anonymous_id, "customer_id": customer_id, "user_hash": user_hash})
    assert response.status_code == 200, response.text[:300]
    return response.json()["token"]


def listening_agent(base_url: str, session: helpers.ConsoleSession, stack: ExitStack, conversation_id: int):
    """An agent's console socket that joins a conversation and from then on only listens."""
    client, events = helpers.connect_console(base_url, session)
    stack.callback(client.disconnect)
    heard: queue.Queue = queue.Queue()
    client.on("message_created", heard.put, namespace=helpers.CONSOLE)
    assert client.call("join_conversation", {"conversation_id": conversation_id, "since_seq": 0},
                       namespace=helpers.CONSOLE, timeout=5)["ok"]
    return client, events, heard


def a_chat(base_url: str, stack: ExitStack, anonymous_id: str):
    """A visitor's socket with a started conversation: (socket, its message queue, conversation id)."""
    visitor, received = chat.connect_visitor(base_url, chat.visitor_token(base_url, anonymous_id))
    stack.callback(visitor.disconnect)
    conversation_id = visitor.call("start_conversation", namespace=chat.CHAT, timeout=5)["conversation"]["id"]
    return visitor, received, conversation_id


def say(visitor, conversation_id: int, key: str, body: str) -> None:
    ack = visitor.call("send_message", {"conversation_id": conversation_id, "client_msg_id": key, "body": body},
                       namespace=chat.CHAT, timeout=5)
    assert ack["ok"], ack


def assert_gone_and_deaf(client, events: helpers.Events, heard: queue.Queue, say_next) -> None:
    """The socket is disconnected within WITHIN seconds, and what is said next never reaches it:
    disconnected, and never reconnecting (reconnection=False), it hears nothing more, so what it
    has heard once say_next has been answered is all it ever will."""
    events.wait_for("disconnect", timeout=WITHIN)
    assert not client.connected
    say_next()
    assert heard.empty()


def test_sign_out_disconnects_the_sessions_idle_socket(server):
    with ExitStack() as stack:
        visitor, _received, conversation_id = a_chat(server.url, stack, "anon-idle-signout")
        chris = helpers.sign_in(server.url, *helpers.CHRIS)
        stack.callback(chris.close)
        other = helpers.sign_in(server.url, *helpers.CHRIS)  # another sign-in of Chris: not revoked
        stack.callback(other.close)
        client, events, heard = listening_agent(server.url, chris, stack, conversation_id)
        kept, _kept_events, kept_heard = listening_agent(server.url, other, stack, conversation_id)
        say(visitor, conversation_id, "m1", "before")
        assert [m["body"] for m in chat.receive_until(heard, "m1")] == ["before"]

        assert chris.sign_out().status_code == 302

        assert_gone_and_deaf(client, events, heard, lambda: say(visitor, conversation_id, "m2", "after"))
        assert kept.connected  # only the signed-out session's sockets end
        assert [m["body"] for m in chat.receive_until(kept_heard, "m2")] == ["before", "after"]


def test_deactivation_disconnects_every_idle_socket_of_the_agent(server, admin):
    with ExitStack() as stack:
        visitor, _received, conversation_id = a_chat(server.url, stack, "anon-idle-deactivate")
        dana = helpers.sign_in(server.url, *helpers.DANA)
        stack.callback(dana.close)
        client, events, heard = listening_agent(server.url, dana, stack, conversation_id)
        dana_id = helpers.get_session(client)["agent"]["id"]
        try:
            assert helpers.deactivate(admin, dana_id).status_code == 302
            assert_gone_and_deaf(client, events, heard, lambda: say(visitor, conversation_id, "m1", "after"))
        finally:
            assert admin.post(f"/console/settings/agents/{dana_id}/reactivate").status_code == 302


def test_a_password_change_disconnects_the_other_sessions_idle_sockets(server):
    with ExitStack() as stack:
        visitor, _received, conversation_id = a_chat(server.url, stack, "anon-idle-password")
        here = helpers.sign_in(server.url, *helpers.BEA)
        stack.callback(here.close)
        elsewhere = helpers.sign_in(server.url, *helpers.BEA)
        stack.callback(elsewhere.close)
        client, events, heard = listening_agent(server.url, elsewhere, stack, conversation_id)
        response = here.post("/console/account", {"current_password": helpers.BEA[1], "password": "a-new-password-1",
                                                  "confirm": "a-new-password-1"})
        assert response.status_code == 302, response.text[:300]
        try:
            assert_gone_and_deaf(client, events, heard, lambda: say(visitor, conversation_id, "m1", "after"))
        finally:
            here.post("/console/account", {"current_password": "a-new-password-1", "password": helpers.BEA[1],
                                           "confirm": helpers.BEA[1]})


def _erase(admin: helpers.ConsoleSession, customer_id: int) -> None:
    page = admin.http.get(f"{admin.base_url}/console/customers/{customer_id}/erase", timeout=10).text
    phrase = re.search(r"Type \u201c([^\u201d]+)\u201d to confirm", page).group(1)
    response = admin.post(f"/console/customers/{customer_id}/erase", {"confirmation": phrase})
    assert response.status_code == 302, response.text[:300]


def test_an_erased_customers_open_widget_hears_nothing_more(server, admin):
    with ExitStack() as stack:
        token = customer_token(server.url, "c-idle-erased", "anon-idle-erased")
        visitor, received = chat.connect_visitor(server.url, token)
        stack.callback(visitor.disconnect)
        events = helpers.Events()
        visitor.on("disconnect", lambda *reason: events.put("disconnect", reason), namespace=chat.CHAT)
        conversation_id = visitor.call("start_conversation", namespace=chat.CHAT, timeout=5)["conversation"]["id"]
        bea = helpers.sign_in(server.url, *helpers.BEA)
        stack.callback(bea.close)
        agent, _agent_events = helpers.connect_console(server.url, bea)
        stack.callback(agent.disconnect)
        joined = agent.call("join_conversation", {"conversation_id": conversation_id, "since_seq": 0},
                            namespace=helpers.CONSOLE, timeout=5)

        _erase(admin, joined["conversation"]["customer_id"])

        def agent_says() -> None:
            ack = agent.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "a-after",
                                              "body": "Are you still there?"}, namespace=helpers.CONSOLE, timeout=5)
            assert ack["ok"], ack

        assert_gone_and_deaf(visitor, events, received, agent_says)


@pytest.mark.redis
# SQLite only: the revocation's queries run on PostgreSQL in tests/security/test_revocation_sweep.py,
# and test_cross_process.py already starts two servers on PostgreSQL (about a minute each here).
@pytest.mark.parametrize(("how", "shared_env"), [("sign_out", "sqlite"), ("deactivate", "sqlite")],
                         indirect=["shared_env"])
def test_revocation_on_one_process_disconnects_the_idle_socket_on_the_other(
        how, shared_env, realtime_redis_url, tmp_path):
    env = dict(shared_env, REDIS_URL=realtime_redis_url)  # one database (SQLite or PostgreSQL), two servers
    with ExitStack() as stack:
        server_a, server_b = two_servers(stack, env, tmp_path)
        visitor, _received, conversation_id = a_chat(server_b.url, stack, f"anon-2proc-{how}")
        dana = helpers.sign_in(server_a.url, *helpers.DANA)  # the cookie works on both: one database
        stack.callback(dana.close)
        client, events, heard = listening_agent(server_b.url, dana, stack, conversation_id)
        wait_for_subscriber(realtime_redis_url)  # B's: A only publishes
        if how == "sign_out":
            assert dana.sign_out().status_code == 302  # on server A
        else:
            admin = helpers.sign_in(server_a.url, *helpers.ADMIN)
            stack.callback(admin.close)
            dana_id = helpers.get_session(client)["agent"]["id"]
            assert helpers.deactivate(admin, dana_id).status_code == 302

        assert_gone_and_deaf(client, events, heard, lambda: say(visitor, conversation_id, "m1", "after"))
