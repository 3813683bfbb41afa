"""Shopify's side of a store connection: is a webhook delivery Shopify's, and what does its payload
say in our events' words.

A delivery is signed with `X-Shopify-Hmac-Sha256`: the base64 of HMAC-SHA256 over the raw request
body, keyed with the store's webhook signing secret. The payload is the whole Admin API resource.
Each resource becomes events with ids made from the resource (and, for facts that change, its
`updated_at`), so a retried delivery, or `orders/updated` right after `orders/create`, maps to
events the pipeline has seen already and changes nothing.

The customer's id is Shopify's customer id as a decimal string: the id a theme identifies in the
widget and `GET /api/v1/customers/<id>` answers for. Amounts keep the order's currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.services.stores import signing
from app.services.stores.mapping import (
    currency,
    email,
    guest_customer_id,
    line,
    money,
    name_of,
    number,
    obj,
    objs,
)

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_HEADER = "X-Shopify-Shop-Domain"
DELIVERY_HEADER = "X-Shopify-Webhook-Id"


@dataclass(frozen=True)
class Delivery:
    """Who sent a delivery and what it is, from its headers."""

    topic: str
    shop_domain: str
    delivery_id: str | None


signature = signing.signature  # what Shopify sends for a body and secret (tests sign with it)


def verify(raw_body: bytes, headers: Mapping[str, str], secrets: tuple[str, ...]) -> bool:
    """True when the body is signed with one of the secrets (a rotated secret takes up to an hour to
    apply at Shopify, so the previous one may still sign). Constant-time, before any parsing."""
    return signing.signed_with(raw_body, headers.get(SIGNATURE_HEADER), secrets)


def delivery(headers: Mapping[str, str]) -> Delivery:
    """The delivery's topic, shop and id (the same id on Shopify's retries)."""
    return Delivery(topic=(headers.get(TOPIC_HEADER) or "").strip().lower(),
                    shop_domain=(headers.get(SHOP_HEADER) or "").strip().lower(),
                    delivery_id=(headers.get(DELIVERY_HEADER) or "").strip() or None)


# --- payloads to events ------------------------------------------------------------------------


def _line(item: Mapping) -> dict:
    """A line item in our words: a line without a SKU is named by its variant, product or line id."""
    return line(item.get("sku"), item.get("title") or item.get("name"), item.get("quantity"), item.get("price"),
                ("variant", item.get("variant_id")), ("product", item.get("product_id")), ("line", item.get("id")),
                line_id=item.get("id"))


def _identify(customer: Mapping, when: str) -> dict:
    """The shop's word on who the customer is (an email the server sends verifies it)."""
    properties = {key: value for key, value in (
        ("email", email(customer.get("email"))), ("name", name_of(customer)),
        ("phone", str(customer.get("phone") or "")[:50])) if value}
    return {"id": f"shopify-customer-{customer['id']}-{customer.get('updated_at') or when}", "type": "identify",
            "customer_id": str(customer["id"]), "timestamp": customer.get("updated_at") or when,
            "properties": properties}


def customer_events(customer: Mapping) -> list[dict]:
    """customers/create and customers/update: the profile's identity."""
    if not customer.get("id"):
        return []
    return [_identify(customer, customer.get("created_at"))]


def cart_key(token) -> str | None:
    """The anonymous id a Shopify cart is known by until someone owns it: carts carry no customer.
    A checkout or an order naming the cart's token links it (and its visitor history) to the
    customer; so does the widget on the theme, which reports the visitor's cart token."""
    token = str(token or "").strip()
    return f"shopify-cart-{token}"[:128] if token else None


def _buyer(resource: Mapping, event_id: str | None = None, *, history: bool = False) -> tuple[str | None, list[dict]]:
    """Who a checkout or order is for: the customer, or a guest keyed by the email given (the
    shop's word, so it verifies the address), with the identify that says so (under `event_id`
    when given: an order's own, so that it is not a repeat of the customer's last update and can
    carry the order's cart). With `history` (the import), the identify is one per buyer, so that
    their other imported orders repeat it and cost no work. (None, []) when neither."""
    customer = obj(resource.get("customer"))
    when = resource.get("updated_at") or resource.get("created_at")
    if customer.get("id"):
        identify = _identify(customer, when)
        if history:
            event_id = f"shopify-customer-{customer['id']}-imported"
        return str(customer["id"]), [identify | ({"id": event_id} if event_id else {})]
    address = email(resource.get("email") or resource.get("contact_email") or customer.get("email"))
    if not address:
        return None, []
    person = obj(resource.get("billing_address")) or obj(resource.get("shipping_address")) or customer
    properties = {"email": address} | ({"name": name_of(person)} if name_of(person) else {})
    guest = guest_customer_id(address)
    if history:
        event_id = f"shopify-guest-{guest}-imported"[:128]
    return guest, [{"id": event_id or f"shopify-guest-{resource.get('id') or resource.get('token')}-{when}",
                    "type": "identify", "customer_id": guest, "timestamp": when, "properties": properties}]


def _cart_link(customer_id: str, token, when: str) -> list[dict]:
    """The identify that hands the cart's anonymous profile (its cart, its visits) to the customer."""
    key = cart_key(token)
    if not key:
        return []
    return [{"id": f"shopify-cart-link-{token}-{customer_id}"[:128], "type": "identify", "customer_id": customer_id,
             "anonymous_id": key, "timestamp": when, "properties": {}}]


def order_events(order: Mapping, *, history: bool = False) -> list[dict]:
    """orders/create, orders/updated, orders/paid, orders/fulfilled, orders/cancelled, and an order
    from the backfill: the buyer, the order (once per order id), its cancellation and each refund it
    carries; the cart it came from is linked to the buyer and emptied at the order's time.
    `history=True` (the backfill): the cart is long gone, and the buyer's identity is the one their
    customer record gives (one event however many of their orders are imported)."""
    buyer, events = _buyer(order, f"shopify-order-{order.get('id')}-buyer", history=history)
    if buyer is None or not order.get("id"):
        return []
    when = order.get("created_at") or order.get("processed_at") or order.get("updated_at")
    if not history and cart_key(order.get("cart_token")):  # the buyer's identity also hands them the cart
        events[0]["anonymous_id"] = cart_key(order.get("cart_token"))
    events.append({
        "id": f"shopify-order-{order['id']}", "type": "order_placed", "customer_id": buyer, "timestamp": when,
        "properties": {"order_id": str(order["id"]), **number(order.get("name")),
                       "currency": currency(order.get("currency"), order.get("presentment_currency")),
                       "total": money(order.get("total_price"))
                       or "0.00", "items": [_line(item) for item in objs(order.get("line_items"))]}})
    if order.get("cart_token") and not history:
        events.append({"id": f"shopify-cart-{order['cart_token']}-ordered"[:128], "type": "cart_updated",
                       "customer_id": buyer, "timestamp": when,
                       "properties": {"items": [], "currency": currency(order.get("currency")),
                                      "total": "0.00"}})
    if order.get("cancelled_at"):
        events.append(cancelled_event(order["id"], buyer, order["cancelled_at"], order.get("cancel_reason")))
    events += [event for refund in objs(order.get("refunds")) for event in refund_events(refund, buyer)]
    return events


def cancelled_event(order_id, customer_id: str, when: str, reason=None) -> dict:
    """The order's cancellation, under the one id it has however it is learnt (orders/cancelled,
    orders/updated, an agent's cancellation from the console): it counts once."""
    return {"id": f"shopify-order-{order_id}-cancelled", "type": "order_cancelled", "customer_id": customer_id,
            "timestamp": when, "properties": {"order_id": str(order_id)} | ({"reason": reason} if reason else {})}


def refund_amount(refund: Mapping) -> str | None:
    """What a refund gave back: its successful refund transactions, added up."""
    total = sum((Decimal(money(t.get("amount")) or "0") for t in objs(refund.get("transactions"))
                 if t.get("kind") == "refund" and t.get("status") in ("success", None)), Decimal("0"))
    return str(total.quantize(Decimal("0.01"))) if total > 0 else None


def refund_events(refund: Mapping, customer_id: str | None) -> list[dict]:
    """refunds/create (or a refund inside an order): the amount given back, once per refund id. A
    refund without money (a restock only) changes nothing. The refund names its order but not the
    customer: the caller gives the order's; an order not known yet brings its refunds when it comes."""
    amount = refund_amount(refund)
    if not customer_id or not amount or not refund.get("id") or not refund.get("order_id"):
        return []
    return [{"id": f"shopify-refund-{refund['id']}", "type": "order_refunded", "customer_id": customer_id,
             "timestamp": refund.get("created_at") or refund.get("processed_at"),
             "properties": {"order_id": str(refund["order_id"]), "amount": amount, "refund_id": str(refund["id"]),
                            "note": str(refund.get("note") or "")[:255]}}]


def cart_events(cart: Mapping) -> list[dict]:
    """carts/create and carts/update: the cart, on the anonymous profile its token names (the
    customer's, once a checkout, an order or the widget has linked the token)."""
    key, when = cart_key(cart.get("token") or cart.get("id")), cart.get("updated_at") or cart.get("created_at")
    if not key or not when:
        return []
    items = [_line(item) for item in objs(cart.get("line_items"))]
    total = sum((Decimal(i["unit_price"]) * i["quantity"] for i in items), Decimal("0"))
    priced = next((obj(obj(i.get("price_set")).get("shop_money")).get("currency_code")
                   for i in objs(cart.get("line_items")) if isinstance(i.get("price_set"), dict)), None)
    return [{"id": f"{key}-{when}"[:128], "type": "cart_updated", "anonymous_id": key, "timestamp": when,
             "properties": {"items": items, "currency": currency(priced, cart.get("currency")),
                            "total": str(total.quantize(Decimal("0.01")))}}]


def checkout_events(checkout: Mapping) -> list[dict]:
    """checkouts/create and checkouts/update: the buyer once they gave an email or signed in, the
    cart they came from linked to them, and the checkout started."""
    buyer, events = _buyer(checkout)
    when = checkout.get("updated_at") or checkout.get("created_at")
    anonymous = cart_key(checkout.get("cart_token"))
    if not when or not (buyer or anonymous):
        return []
    if buyer:
        events += _cart_link(buyer, checkout.get("cart_token"), when)
    target = {"customer_id": buyer} if buyer else {"anonymous_id": anonymous}
    items = [_line(item) for item in objs(checkout.get("line_items"))]
    properties = {"items": items, "currency": currency(checkout.get("currency"), checkout.get("presentment_currency"))}
    if money(checkout.get("total_price")):
        properties["total"] = money(checkout.get("total_price"))
    events.append({"id": f"shopify-checkout-{checkout.get('token') or checkout.get('id')}", "type": "checkout_started",
                   "timestamp": checkout.get("created_at") or when, "properties": properties} | target)
    return events


ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/cancelled",
                          "orders/fulfilled", "orders/partially_fulfilled", "orders/edited"})
PRIVACY_TOPICS = frozenset({"customers/redact", "customers/data_request", "shop/redact"})
TOPICS = ORDER_TOPICS | PRIVACY_TOPICS | {"refunds/create", "checkouts/create", "checkouts/update", "carts/create",
                                         "carts/update", "customers/create", "customers/update"}


def events_for(topic: str, payload: Mapping, order_owner) -> list[dict]:
    """The events a delivery of a known topic (not a privacy one) says. `order_owner(order_id)`
    answers whose an order is (a refund names only its order)."""
    if topic in ORDER_TOPICS:
        return order_events(payload)
    if topic == "refunds/create":
        return refund_events(payload, order_owner(str(payload.get("order_id") or "")))
    if topic in ("checkouts/create", "checkouts/update"):
        return checkout_events(payload)
    if topic in ("carts/create", "carts/update"):
        return cart_events(payload)
    if topic in ("customers/create", "customers/update"):
        return customer_events(payload)
    return []
