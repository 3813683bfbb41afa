"""D2 + D3 + D4: kill -9 the server in the middle of a burst of chat messages, start it again, and
check that every acknowledged message is stored once and reaches both sides once after they
reconnect, resend what was not acknowledged (same client_msg_id) and resume by seq."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.realtime import helpers
from tests.realtime import test_chat_live as chat
from tests.support.live_server import LiveServer

ROUNDS = 3
BURST = 120  # messages a round; the kill comes after about a third of them were sent


def kill_hard(server: LiveServer) -> None:
    """SIGKILL the gunicorn master and its worker: no shutdown code runs anywhere."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)


class Visitor:
    """A widget-like client that keeps what a real one keeps: the highest seq it holds, the
    messages it has (by seq), and its unacknowledged sends."""

    def __init__(self, base_url: str, token: str, conversation_id: int | None = None) -> None:
        self.base_url, self.token, self.conversation_id = base_url, token, conversation_id
        self.by_seq: dict[int, str] = {}
        self.acked: set[str] = set()
        self.unacked: dict[str, str] = {}
        self.lock = threading.Lock()
        self.client = None

    def connect(self) -> None:
        self.client, _ = chat.connect_visitor(self.base_url, self.token)
        self.client.on("message_created", self._receive, namespace=chat.CHAT)  # replaces the queue's handler
        if self.conversation_id is None:
            ack = self.client.call("start_conversation", namespace=chat.CHAT, timeout=5)
            self.conversation_id = ack["conversation"]["id"]
        since = max(self.by_seq, default=0)
        ack = self.client.call("join_conversation", {"conversation_id": self.conversation_id, "since_seq": since},
                               namespace=chat.CHAT, timeout=5)
        assert ack["ok"], ack
        for message in ack["messages"]:
            self._receive(message)

    def _receive(self, message: dict) -> None:
        with self.lock:
            assert self.by_seq.setdefault(message["seq"], message["client_msg_id"]) == message["client_msg_id"]

    def send(self, client_msg_id: str) -> None:
        """Fire and forget; the ack, when it comes, moves the message to `acked`."""
        with self.lock:
            self.unacked[client_msg_id] = f"burst message {client_msg_id}"

        def acked(ack):
            if ack and ack.get("ok"):
                with self.lock:
                    self.acked.add(client_msg_id)
                    self.unacked.pop(client_msg_id, None)

        try:
            self.client.emit("send_message", {"conversation_id": self.conversation_id, "client_msg_id": client_msg_id,
                                              "body": self.unacked[client_msg_id]}, namespace=chat.CHAT, callback=acked)
        except Exception:  # the server is gone: kept in unacked, resent after reconnecting
            pass

    def resend_unacked(self) -> None:
        for client_msg_id, body in list(self.unacked.items()):
            ack = self.client.call("send_message", {"conversation_id": self.conversation_id,
                                                    "client_msg_id": client_msg_id, "body": body},
                                   namespace=chat.CHAT, timeout=5)
            assert ack["ok"], ack
            self.acked.add(client_msg_id)
            self.unacked.pop(client_msg_id)
            self._receive(ack["message"])

    def close(self) -> None:
        if self.client is not None:
            helpers.close_client(self.client)


def stored(database: Path, conversation_id: int) -> list[tuple[int, str]]:
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return db.execute("SELECT seq, client_msg_id FROM messages WHERE conversation_id = ? ORDER BY seq",
                          (conversation_id,)).fetchall()


def agent_view(base_url: str, conversation_id: int) -> list[tuple[int, str]]:
    """What an agent who (re)joins from seq 0 receives."""
    session = helpers.sign_in(base_url, *helpers.BEA)
    try:
        with helpers.console_socket(base_url, session) as (client, _events):
            ack = client.call("join_conversation", {"conversation_id": conversation_id},
                              namespace=helpers.CONSOLE, timeout=5)
            return [(m["seq"], m["client_msg_id"]) for m in ack["messages"]]
    finally:
        session.close()


@pytest.mark.timeout(180)
def test_kill_9_mid_burst_loses_no_acknowledged_message_and_repeats_none(seeded_sqlite, tmp_path):
    env = helpers.copy_database(seeded_sqlite, tmp_path, HELPDESK_ALLOWED_ORIGINS=chat.SHOP)
    database = tmp_path / "helpdesk.db"
    server = helpers.start_server(env, tmp_path / "server.log")
    visitor = None
    try:
        visitor = Visitor(server.url, chat.visitor_token(server.url, "anon-kill9"))
        visitor.connect()
        for round_no in range(ROUNDS):
            for n in range(BURST):
                visitor.send(f"r{round_no}-m{n}")
                if n == BURST // 3:
                    kill_hard(server)
                time.sleep(0.002)
            acked_before_restart = set(visitor.acked)
            assert acked_before_restart and visitor.unacked  # the kill landed inside the burst
            visitor.close()
            server = _restart(server, env, tmp_path)
            visitor.base_url = server.url
            # Everything acknowledged before the kill is on disk, each once.
            ids = [cid for _, cid in stored(database, visitor.conversation_id)]
            assert acked_before_restart <= set(ids)
            assert len(ids) == len(set(ids))
            visitor.connect()
            visitor.resend_unacked()

        expected = stored(database, visitor.conversation_id)
        # Every message, resent or not, stored exactly once (events are handled concurrently, so
        # the stored order of a fire-and-forget burst need not be the order of sending).
        assert sorted(cid for _, cid in expected) == sorted(f"r{r}-m{n}" for r in range(ROUNDS) for n in range(BURST))
        assert [s for s, _ in expected] == list(range(1, ROUNDS * BURST + 1))  # gap-free
        assert sorted(visitor.by_seq.items()) == expected  # the visitor has each once, by seq
        assert agent_view(server.url, visitor.conversation_id) == expected  # and so does an agent
    finally:
        if visitor is not None:
            visitor.close()
        server.stop()


def _restart(killed: LiveServer, env: dict, tmp_path: Path) -> LiveServer:
    """A new server on the killed one's port and database, as an operator's supervisor would."""
    return LiveServer(env, port=killed.port, log_path=tmp_path / "server.log").start()
