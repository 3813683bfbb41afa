"""D5-lite: with the Redis message queue unreachable, deactivation still commits; the emit is only logged."""

from __future__ import annotations

from contextlib import ExitStack

import requests

from tests.realtime import helpers
from tests.support.live_server import free_port


def test_deactivation_succeeds_when_the_message_queue_is_down(seeded_sqlite, tmp_path):
    # Nothing listens on a port just released by free_port(): every Redis call is refused.
    env = helpers.copy_database(seeded_sqlite, tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    log_path = tmp_path / "server.log"
    with ExitStack() as stack:
        server = helpers.start_server(env, log_path)
        stack.callback(server.stop)
        health = requests.get(server.url + "/healthz", timeout=10).json()
        assert health["status"] == "degraded", health

        admin = helpers.sign_in(server.url, *helpers.ADMIN)
        stack.callback(admin.close)
        dana = helpers.sign_in(server.url, *helpers.DANA)
        stack.callback(dana.close)
        client, events = helpers.connect_console(server.url, dana)
        stack.callback(client.disconnect)
        dana_id = helpers.get_session(client)["agent"]["id"]

        assert helpers.deactivate(admin, dana_id).status_code == 302
        assert helpers.agent_row(admin, "dana@demo.shop") == (dana_id, "Deactivated")
        # session_revoked cannot travel without the queue; the per-event check still holds.
        helpers.assert_refused(client, events)
        assert helpers.sign_in_status(server.url, *helpers.DANA) == 401

    log = log_path.read_text()
    assert "Cannot publish to redis... giving up" in log
