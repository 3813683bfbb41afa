"""watch_customer / unwatch_customer on /console, through Flask-SocketIO's test client."""

from __future__ import annotations

import pytest

from app.extensions import socketio
from app.services import customer_privacy
from app.services.platform.audit import CLI
from app.services.shop_events.ingestion import ingest_events
from tests.factories import make_customer
from tests.support.shop_events import MUG, cart_updated

CONSOLE = "/console"


def _updates(sio) -> list[dict]:
    return [m["args"][0] for m in sio.get_received(CONSOLE) if m["name"] == "customer_updated"]


def test_a_watcher_hears_of_the_customers_changes(console_socket):
    customer = make_customer("c-live")
    other = make_customer("c-other")
    assert console_socket.emit("watch_customer", {"customer_id": customer.id}, namespace=CONSOLE,
                               callback=True) == {"ok": True}
    console_socket.get_received(CONSOLE)

    ingest_events([cart_updated("c-live", MUG), cart_updated("c-other", MUG)])

    assert _updates(console_socket) == [{"customer_id": customer.id, "cart_changed": True}]
    assert other.id != customer.id


def test_unwatch_stops_the_updates(console_socket):
    customer = make_customer("c-quiet")
    console_socket.emit("watch_customer", {"customer_id": customer.id}, namespace=CONSOLE, callback=True)
    ack = console_socket.emit("unwatch_customer", {"customer_id": customer.id}, namespace=CONSOLE, callback=True)
    assert ack == {"ok": True}
    console_socket.get_received(CONSOLE)
    ingest_events([cart_updated("c-quiet", MUG)])
    assert _updates(console_socket) == []


@pytest.mark.parametrize("payload", [
    None, "5", [5], {}, {"customer_id": "1"}, {"customer_id": 1.0}, {"customer_id": True},
    {"customer_id": 0}, {"customer_id": -3}, {"customer": 1},
], ids=repr)
@pytest.mark.parametrize("event", ["watch_customer", "unwatch_customer"])
def test_ids_that_are_not_positive_integers_are_refused(console_socket, event, payload):
    make_customer()  # customer 1 exists: a refusal is about the payload's shape
    ack = console_socket.emit(event, payload, namespace=CONSOLE, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"


def test_an_unknown_customer_is_refused_and_no_room_joined(console_socket, app):
    ack = console_socket.emit("watch_customer", {"customer_id": 4242}, namespace=CONSOLE, callback=True)
    assert ack == {"ok": False, "error": {"code": "not_found", "message": "No such customer."}}
    sid = console_socket.eio_sid
    rooms = socketio.server.manager.get_rooms(socketio.server.manager.sid_from_eio_sid(sid, CONSOLE), CONSOLE)
    assert "customer:4242" not in rooms


def test_a_signed_out_socket_is_disconnected_at_once(console_socket, auth):
    assert console_socket.is_connected(CONSOLE)
    auth.logout()  # the sign-out disconnects the session's sockets (services/access/revocation.py)
    assert not console_socket.is_connected(CONSOLE)


def test_a_watcher_hears_when_the_customer_is_erased(console_socket):
    customer = make_customer("c-erased")
    console_socket.emit("watch_customer", {"customer_id": customer.id}, namespace=CONSOLE, callback=True)
    console_socket.get_received(CONSOLE)
    customer_privacy.erase_customer(customer.id, by=CLI)
    assert _updates(console_socket) == [{"customer_id": customer.id, "cart_changed": True}]
    again = console_socket.emit("watch_customer", {"customer_id": customer.id}, namespace=CONSOLE, callback=True)
    assert again["error"]["code"] == "not_found"
