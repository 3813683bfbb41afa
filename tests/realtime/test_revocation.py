"""W4: sign-out, deactivation and a password change end a connected console socket within 5 s."""

from __future__ import annotations

import pytest

from tests.realtime import helpers


@pytest.fixture(scope="module")
def admin(console_server):
    session = helpers.sign_in(console_server.url, *helpers.ADMIN)
    yield session
    session.close()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_sign_out_refuses_the_next_event(console_server, transport):
    chris = helpers.sign_in(console_server.url, *helpers.CHRIS)
    try:
        with helpers.console_socket(console_server.url, chris, transport=transport) as (client, events):
            assert helpers.get_session(client)["agent"]["display_name"] == "Chris de Vries"
            assert chris.sign_out().status_code == 302
            # The socket still carries the old cookie; the server-side row is what was revoked.
            helpers.assert_refused(client, events)
    finally:
        chris.close()


def test_deactivation_pushes_session_revoked_and_refuses_the_next_event(console_server, admin):
    dana = helpers.sign_in(console_server.url, *helpers.DANA)
    try:
        with helpers.console_socket(console_server.url, dana) as (client, events):
            dana_id = helpers.get_session(client)["agent"]["id"]
            assert helpers.agent_row(admin, "dana@demo.shop") == (dana_id, "Active")

            assert helpers.deactivate(admin, dana_id).status_code == 302

            assert events.wait_for("session_revoked") == ("session_revoked", {"agent_id": dana_id})
            helpers.assert_refused(client, events)
        assert helpers.agent_row(admin, "dana@demo.shop") == (dana_id, "Deactivated")
    finally:
        dana.close()


def test_password_change_revokes_the_other_sessions_sockets(console_server):
    here = helpers.sign_in(console_server.url, *helpers.BEA)
    other = helpers.sign_in(console_server.url, *helpers.BEA)
    try:
        with helpers.console_socket(console_server.url, other) as (client, events):
            helpers.get_session(client)
            response = here.post(
                "/console/account",
                {"current_password": helpers.BEA[1], "password": "a-new-password-1", "confirm": "a-new-password-1"},
            )
            assert response.status_code == 302, response.text[:300]
            events.wait_for("session_revoked")
            helpers.assert_refused(client, events)
        # The session that changed the password stays signed in, socket included.
        with helpers.console_socket(console_server.url, here) as (client, _events):
            assert helpers.get_session(client)["agent"]["display_name"] == "Bea Santos"
    finally:
        here.close()
        other.close()
