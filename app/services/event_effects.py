"""What each event type does to a customer's profile and facts. Designed so that the final state
does not depend on the order events arrive in: minimums, maximums, counts of distinct things and
"newest wins" by event time. Helpers for ingestion: they flush at most, never commit."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import Cart, Customer
from app.services import orders

ENGAGING = {"product_viewed", "checkout_started", "review_submitted", "signed_up", "order_placed"}
LEAD_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "url")


def _earliest(current: datetime | None, when: datetime) -> datetime:
    return when if current is None or when < current else current


def _identify(customer: Customer, props: dict, when: datetime) -> None:
    newer = customer.profile_updated_at is None or when >= customer.profile_updated_at
    for field in ("email", "name", "phone"):
        if field in props and (newer or getattr(customer, field) is None):
            setattr(customer, field, props[field].strip().lower() if field == "email" else props[field])
    traits = props.get("traits") or {}
    if traits:
        merged = {**customer.traits, **traits} if newer else {**traits, **customer.traits}
        customer.traits = merged
    if newer:
        customer.profile_updated_at = when


def _page_viewed(customer: Customer, props: dict, when: datetime) -> None:
    page = customer.current_page or {}
    if not page.get("at") or when.isoformat() >= page["at"]:
        customer.current_page = {"url": props["url"], "title": props.get("title"), "at": when.isoformat()}
    if customer.lead_source_at is None or when < customer.lead_source_at:
        customer.lead_source = {k: props[k] for k in LEAD_FIELDS if props.get(k)}
        customer.lead_source_at = when


def _cart_updated(customer: Customer, props: dict, when: datetime, event_id: str) -> bool:
    """Replace the cart snapshot unless a newer one is stored. True when it was replaced."""
    cart = db.session.get(Cart, customer.id)
    if cart is not None and (cart.updated_at, cart.event_id) >= (when, event_id):
        return False
    if cart is None:
        cart = Cart(customer_id=customer.id)
        db.session.add(cart)
    cart.items = [
        {"sku": i["sku"], "name": i["name"], "quantity": i["quantity"], "unit_price": str(i["unit_price"])}
        for i in props["items"]
    ]
    cart.item_count = sum(i["quantity"] for i in props["items"])
    cart.currency = props["currency"]
    cart.total = props["total"]
    cart.updated_at = when
    cart.event_id = event_id
    if cart.item_count:
        customer.engaged_at = _earliest(customer.engaged_at, when)
    return True


def _signed_up(customer: Customer, _props: dict, when: datetime) -> None:
    customer.signed_up_at = _earliest(customer.signed_up_at, when)


def _referral(customer: Customer, _props: dict, _when: datetime) -> None:
    customer.referral_count += 1


def _nps(customer: Customer, props: dict, when: datetime) -> None:
    if customer.nps_at is None or when >= customer.nps_at:
        customer.nps_score, customer.nps_at = props["score"], when


def _subscription(value: bool):
    def handler(customer: Customer, _props: dict, _when: datetime) -> None:
        customer.traits = {**customer.traits, "subscribed": value}

    return handler


HANDLERS = {
    "identify": _identify,
    "page_viewed": _page_viewed,
    "order_placed": orders.place_order,
    "order_refunded": orders.refund_order,
    "signed_up": _signed_up,
    "referral_made": _referral,
    "nps_submitted": _nps,
    "subscribed": _subscription(True),
    "unsubscribed": _subscription(False),
}


def apply_event(customer: Customer, event: dict) -> bool:
    """Apply one validated event. Returns True when the cart changed (agents watch it live)."""
    kind, props, when = event["type"], event["properties"], event["timestamp"]
    customer.first_seen_at = min(customer.first_seen_at, when)
    customer.last_seen_at = max(customer.last_seen_at, when)
    if kind in ENGAGING:
        customer.engaged_at = _earliest(customer.engaged_at, when)
    if kind == "cart_updated":
        return _cart_updated(customer, props, when, event["id"])
    handler = HANDLERS.get(kind)  # custom events only move last_seen_at
    if handler is not None:
        handler(customer, props, when)
    return False
