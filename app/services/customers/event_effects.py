"""What each event type does to a customer's profile and facts. Designed so that the final state
does not depend on the order events arrive in: minimums, maximums, counts of distinct things and
"newest wins" by event time, ties broken by event id. Helpers for ingestion: they flush at most,
never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import Cart, Customer
from app.services.customers import orders
from app.services.customers.batch_cache import BatchCache
from app.services.customers.event_sources import speaks_for_shop

ENGAGING = {"product_viewed", "checkout_started", "review_submitted", "signed_up", "order_placed"}
LEAD_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "url")
PROFILE_FIELDS = ("email", "name", "phone")


def _earliest(current: datetime | None, when: datetime) -> datetime:
    return when if current is None or when < current else current


def stamp(when: datetime, event_id: str) -> list[str]:
    """The order of writes to one field: event time (UTC, fixed width), then event id."""
    return [when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), event_id]


def claim(customer: Customer, key: str, new: list[str], *, earliest: bool = False) -> bool:
    """True when a write stamped `new` wins field `key` (the newest, or with earliest=True the
    earliest, write wins); the winning stamp is recorded in customer.field_stamps."""
    current = (customer.field_stamps or {}).get(key)
    if current is not None and not (new < list(current) if earliest else new > list(current)):
        return False
    customer.field_stamps = {**(customer.field_stamps or {}), key: new}  # a new dict: JSON changes are tracked
    return True


def _set_trait(customer: Customer, key: str, value, new: list[str]) -> None:
    if claim(customer, f"traits.{key}", new):
        customer.traits = {**customer.traits, key: value}


def _identify(customer: Customer, event: dict, _cache: BatchCache) -> None:
    props, when, new = event["properties"], event["timestamp"], stamp(event["timestamp"], event["id"])
    for field in PROFILE_FIELDS:
        if field in props and claim(customer, field, new):
            setattr(customer, field, props[field].strip().lower() if field == "email" else props[field])
    # Any sender may give a contact address; only the shop's word makes it the customer's own
    # (customers/emails.py): a page's identify is signed for the customer id, not for the email.
    if "email" in props and speaks_for_shop(event.get("source")) and claim(customer, "verified_email", new):
        customer.verified_email = props["email"].strip().lower()
    for key, value in (props.get("traits") or {}).items():
        _set_trait(customer, key, value, new)
    if customer.profile_updated_at is None or when > customer.profile_updated_at:
        customer.profile_updated_at = when


def _page_viewed(customer: Customer, event: dict, _cache: BatchCache) -> None:
    props, when, new = event["properties"], event["timestamp"], stamp(event["timestamp"], event["id"])
    if claim(customer, "current_page", new):
        customer.current_page = {"url": props["url"], "title": props.get("title"), "at": when.isoformat()}
    if claim(customer, "lead_source", new, earliest=True):
        customer.lead_source = {k: props[k] for k in LEAD_FIELDS if props.get(k)}
        customer.lead_source_at = when


def _cart_updated(customer: Customer, event: dict, cache: BatchCache) -> bool:
    """Replace the cart snapshot unless a newer one is stored. True when it was replaced."""
    props, when, event_id = event["properties"], event["timestamp"], event["id"]
    item_count = sum(i["quantity"] for i in props["items"])
    if item_count:  # whether or not this snapshot is the newest, the customer had a loaded cart
        customer.engaged_at = _earliest(customer.engaged_at, when)
    cart = cache.cart(customer.id)
    if cart is not None and (cart.updated_at, cart.event_id) >= (when, event_id):
        return False
    if cart is None:
        cart = cache.carts[customer.id] = Cart(customer_id=customer.id)
        db.session.add(cart)
    cart.items = [
        {"sku": i["sku"], "name": i["name"], "quantity": i["quantity"], "unit_price": str(i["unit_price"])}
        for i in props["items"]
    ]
    cart.item_count = item_count
    cart.currency = props["currency"]
    cart.total = props["total"]
    cart.updated_at = when
    cart.event_id = event_id
    return True


def _signed_up(customer: Customer, event: dict, _cache: BatchCache) -> None:
    customer.signed_up_at = _earliest(customer.signed_up_at, event["timestamp"])


def _referral(customer: Customer, _event: dict, _cache: BatchCache) -> None:
    customer.referral_count += 1


def _nps(customer: Customer, event: dict, _cache: BatchCache) -> None:
    if claim(customer, "nps", stamp(event["timestamp"], event["id"])):
        customer.nps_score, customer.nps_at = event["properties"]["score"], event["timestamp"]


def _subscription(value: bool):
    def handler(customer: Customer, event: dict, _cache: BatchCache) -> None:
        _set_trait(customer, "subscribed", value, stamp(event["timestamp"], event["id"]))

    return handler


def _order_placed(customer: Customer, event: dict, cache: BatchCache) -> None:
    # The source (set by ingestion: the server's API or a page) decides whether this is the shop's
    # word or a shopper's claim.
    orders.place_order(customer, event["properties"], event["timestamp"], cache, source=event["source"])


def _order_refunded(customer: Customer, event: dict, cache: BatchCache) -> None:
    orders.refund_order(customer, event["properties"], event["timestamp"], cache, source=event["source"])


def _order_cancelled(customer: Customer, event: dict, cache: BatchCache) -> None:
    orders.cancel_order(customer, event["properties"], event["timestamp"], cache, source=event["source"])


HANDLERS = {
    "identify": _identify,
    "page_viewed": _page_viewed,
    "order_placed": _order_placed,
    "order_refunded": _order_refunded,
    "order_cancelled": _order_cancelled,
    "signed_up": _signed_up,
    "referral_made": _referral,
    "nps_submitted": _nps,
    "subscribed": _subscription(True),
    "unsubscribed": _subscription(False),
}


def apply_event(customer: Customer, event: dict, cache: BatchCache) -> bool:
    """Apply one validated event. Returns True when the cart changed (agents watch it live)."""
    kind, when = event["type"], event["timestamp"]
    customer.first_seen_at = min(customer.first_seen_at, when)
    customer.last_seen_at = max(customer.last_seen_at, when)
    if kind in ENGAGING:
        customer.engaged_at = _earliest(customer.engaged_at, when)
    if kind == "cart_updated":
        return _cart_updated(customer, event, cache)
    handler = HANDLERS.get(kind)  # custom events only move last_seen_at
    if handler is not None:
        handler(customer, event, cache)
    return False


def _copy_field(source: Customer, target: Customer, key: str) -> None:
    if key in PROFILE_FIELDS or key == "verified_email":
        setattr(target, key, getattr(source, key))
    elif key.startswith("traits."):
        name = key.removeprefix("traits.")
        target.traits = {**target.traits, name: (source.traits or {}).get(name)}
    elif key == "current_page":
        target.current_page = source.current_page
    elif key == "nps":
        target.nps_score, target.nps_at = source.nps_score, source.nps_at
    elif key == "lead_source":
        target.lead_source, target.lead_source_at = source.lead_source, source.lead_source_at


def merge_fields(source: Customer, target: Customer) -> None:
    """Merge the stamped fields of an anonymous profile into a customer, as if the source's events
    had been applied to the target: each field keeps the write that wins it."""
    for key, new in (source.field_stamps or {}).items():
        if claim(target, key, list(new), earliest=key == "lead_source"):
            _copy_field(source, target, key)
    if source.profile_updated_at and (target.profile_updated_at is None
                                      or source.profile_updated_at > target.profile_updated_at):
        target.profile_updated_at = source.profile_updated_at
