"""What the demo shop tells the helpdesk, the way a real shop would: user_hash computed here on the
server, events handed to the page as Helpdesk calls that /widget.js sends from the browser."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, session

from demo_shop.catalogue import DemoCustomer

PENDING = "helpdesk_pending"  # events caused by a form post, sent by the page that follows it


def user_hash(customer_id: str) -> str:
    """HMAC-SHA256 of the customer id with the identity secret, hex: the Python example of
    docs/integration.md. The secret never reaches the browser."""
    secret = current_app.extensions["demo_shop"]["identity_secret"]()
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def remember(event_type: str, properties: dict) -> None:
    """Queue an event for the next page (after a redirect), so a reload does not send it twice."""
    session[PENDING] = [*session.get(PENDING, []), [event_type, properties]]


def forget_visitor() -> None:
    """After sign-out: the next page tells the widget to start a new anonymous visitor."""
    session["helpdesk_reset"] = True


def helpdesk_calls(customer: DemoCustomer | None, page_events: list[tuple[str, dict]]) -> list[list]:
    """The calls this page makes, in order, as `Helpdesk.q.push` takes them (static/shop.js)."""
    calls: list[list] = []
    if session.pop("helpdesk_reset", False):
        calls.append(["reset"])
    if customer is not None:
        calls.append(["identify", {
            "customer_id": customer.customer_id, "user_hash": user_hash(customer.customer_id),
            "email": customer.email, "name": customer.name,
        }])
    calls += [["track", kind, props] for kind, props in session.pop(PENDING, [])]
    calls += [["track", kind, props] for kind, props in page_events]
    return calls
