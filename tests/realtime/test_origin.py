"""W1: the Engine.IO origin allow-list and the /console same-origin rule, on a real server."""

from __future__ import annotations

import pytest
import requests
import socketio

from tests.realtime import helpers

EVIL = "http://evil.test"
SHOP = "http://shop.test"


@pytest.fixture(scope="module")
def bea(console_server):
    session = helpers.sign_in(console_server.url, *helpers.BEA)
    yield session
    session.close()


def handshake(server, origin: str | None) -> requests.Response:
    """A raw Engine.IO polling handshake, as a browser's first request would be."""
    headers = {} if origin is None else {"Origin": origin}
    return requests.get(
        server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"}, headers=headers, timeout=10
    )


@pytest.mark.parametrize(
    ("origin", "status"),
    [(EVIL, 400), (helpers.OWN, 200), (None, 200), (SHOP, 200), (EVIL + ".shop.test", 400)],
    ids=["forged", "own", "absent", "shop", "suffix-trick"],
)
def test_polling_handshake_checks_origin(console_server, origin, status):
    response = handshake(console_server, console_server.url if origin is helpers.OWN else origin)
    assert response.status_code == status, response.text[:200]
    if status == 400:
        assert "sid" not in response.text


def test_forwarded_host_does_not_widen_the_allow_list(console_server):
    # Engine.IO's default check trusts X-Forwarded-Host; the app's check must not.
    response = requests.get(
        console_server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"},
        headers={"Origin": EVIL, "X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "http"}, timeout=10,
    )
    assert response.status_code == 400


@pytest.mark.parametrize("transport", ["websocket", "polling"])
@pytest.mark.parametrize("origin", [EVIL, SHOP], ids=["forged", "shop"])
def test_signed_in_console_socket_from_another_origin_is_refused(console_server, bea, transport, origin):
    # The shop passes Engine.IO (the widget needs it); /console itself must still refuse it.
    with pytest.raises(socketio.exceptions.ConnectionError):
        helpers.connect_console(console_server.url, bea, origin=origin, transport=transport)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_signed_in_console_socket_from_own_origin_connects(console_server, bea, transport):
    with helpers.console_socket(console_server.url, bea, transport=transport) as (client, _events):
        assert client.transport() == transport
        assert helpers.get_session(client)["agent"]["display_name"] == "Bea Santos"


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_signed_in_console_socket_without_origin_connects(console_server, bea, transport):
    # Browsers always send Origin on WebSocket and cross-origin requests; a request without one
    # is a same-origin polling GET or not a browser, and then the cookie + CSRF token decide.
    with helpers.console_socket(console_server.url, bea, origin=None, transport=transport) as (client, _events):
        assert helpers.get_session(client)["agent"]["display_name"] == "Bea Santos"
