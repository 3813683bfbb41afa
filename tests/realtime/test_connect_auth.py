"""W2: a /console socket needs a live session cookie and that session's CSRF token in `auth`."""

from __future__ import annotations

import pytest
import socketio

from tests.realtime import helpers

TRANSPORTS = ["websocket", "polling"]


@pytest.fixture(scope="module")
def bea(console_server):
    session = helpers.sign_in(console_server.url, *helpers.BEA)
    yield session
    session.close()


@pytest.fixture(scope="module")
def bea_elsewhere(console_server):
    """A second, independent session of the same agent (another browser)."""
    session = helpers.sign_in(console_server.url, *helpers.BEA)
    yield session
    session.close()


def refused(server, session, **kwargs) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        helpers.connect_console(server.url, session, **kwargs)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_no_cookie_is_refused(console_server, transport):
    refused(console_server, None, transport=transport, auth={"csrf_token": "anything"})


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_garbage_cookie_is_refused(console_server, bea, transport):
    refused(
        console_server, bea, transport=transport,
        cookie="helpdesk_session=eyJhZ2VudF9zZXNzaW9uIjoiZm9yZ2VkIn0.garbage.signature",
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "auth", [{}, {"csrf_token": ""}, {"csrf_token": "garbage"}, {"token": "x"}, {"csrf_token": ["x"]}],
    ids=["empty", "blank", "garbage", "wrong-key", "not-a-string"],
)
def test_valid_cookie_without_a_valid_csrf_token_is_refused(console_server, bea, transport, auth):
    refused(console_server, bea, transport=transport, auth=auth)


def raw_polling_connect(url: str, session: helpers.ConsoleSession, server_url: str, **connect_kwargs) -> None:
    """Connect over polling with the cookie and own Origin but the given URL and auth as-is."""
    client = helpers.ConsoleClient(reconnection=False)
    try:
        client.connect(
            url, headers={"Cookie": session.cookie_header, "Origin": server_url},
            transports=["polling"], namespaces=[helpers.CONSOLE], wait_timeout=5, **connect_kwargs,
        )
    finally:
        client.disconnect()


def test_valid_cookie_without_auth_is_refused(console_server, bea):
    with pytest.raises(socketio.exceptions.ConnectionError):
        raw_polling_connect(console_server.url, bea, console_server.url)


def test_csrf_token_in_the_query_string_is_not_accepted(console_server, bea):
    # The token belongs in the auth payload; URLs end up in logs and Referer headers.
    with pytest.raises(socketio.exceptions.ConnectionError):
        raw_polling_connect(f"{console_server.url}/?csrf_token={bea.csrf_token}", bea, console_server.url)


def test_csrf_token_of_another_session_is_refused(console_server, bea, bea_elsewhere):
    assert bea.csrf_token != bea_elsewhere.csrf_token
    refused(console_server, bea, auth={"csrf_token": bea_elsewhere.csrf_token})


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_both_present_connects(console_server, bea, transport):
    # The control case: the refusals above are not a broken server.
    with helpers.console_socket(console_server.url, bea, transport=transport) as (client, _events):
        assert helpers.get_session(client)["agent"]["role"] == "agent"
