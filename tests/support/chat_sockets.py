"""The widget's /chat socket through Flask-SocketIO's test client, for wiring and attack tests."""

from __future__ import annotations

from app.extensions import socketio
from app.services.access import visitor_tokens, widget_identity

CHAT = "/chat"


def visitor_socket(app, anonymous_id: str, customer_id: str | None = None):
    """A connected /chat socket for an anonymous visitor, or, with customer_id, for a customer the
    shop's user_hash verifies."""
    proof = widget_identity.user_hash(customer_id) if customer_id else None
    token = visitor_tokens.issue_visitor_token(anonymous_id, customer_id, proof).token
    sio = socketio.test_client(app, namespace=CHAT, auth={"token": token})
    assert sio.is_connected(CHAT)
    return sio


def call(sio, event: str, data=None, namespace: str = CHAT):
    """Send a command and return its ack."""
    return sio.emit(event, *(() if data is None else (data,)), namespace=namespace, callback=True)
