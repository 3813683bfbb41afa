"""On a live server (gunicorn, gevent, real WebSockets): a /chat packet nested 30,000 deep is
refused by the app's bounded JSON parser with one warning line and no traceback in the server
log; the sender's socket and another visitor's keep being answered."""

from __future__ import annotations

import time

from tests.realtime import helpers
from tests.realtime.test_chat_live import CHAT, connect_visitor, visitor_token


def test_a_30000_deep_packet_is_refused_without_a_traceback(console_server):
    attacker, _ = connect_visitor(console_server.url, visitor_token(console_server.url, "anon-deep-attacker"))
    bystander, _ = connect_visitor(console_server.url, visitor_token(console_server.url, "anon-deep-bystander"))
    try:
        # A raw Socket.IO EVENT frame: json.dumps could not even write this document.
        attacker.eio.send("2" + CHAT + ",7" + "[" * 30_000 + "]" * 30_000)
        assert attacker.call("start_conversation", namespace=CHAT, timeout=helpers.WAIT)["ok"]
        assert bystander.call("start_conversation", namespace=CHAT, timeout=helpers.WAIT)["ok"]
        deadline = time.monotonic() + helpers.WAIT
        log = ""
        while "socket packet refused" not in log and time.monotonic() < deadline:
            time.sleep(0.1)
            log = console_server.log_path.read_text(errors="replace")
        assert "socket packet refused" in log and "Nested more than 32 levels deep" in log
        assert "Traceback" not in log and "RecursionError" not in log
    finally:
        helpers.close_client(attacker)
        helpers.close_client(bystander)
