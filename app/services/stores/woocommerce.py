"""WooCommerce's side of a store connection: is a webhook delivery WooCommerce's, which delivery is it,
and what does its payload say in our events' words.

A delivery is signed with `X-WC-Webhook-Signature`: the base64 of HMAC-SHA256 over the raw request
body, keyed with the webhook's secret (WC_Webhook::generate_signature). The payload is the REST v3
resource (`/wc/v3/orders/<id>`, `/wc/v3/customers/<id>`); a deleted resource sends only `{"id": N}`.
WooCommerce never retries: a failed delivery only counts towards disabling the webhook (more than
5 failures in a row), so the receiver answers 200 to everything it can read and deduplicates itself.

The customer's id is WooCommerce's customer (WordPress user) id as a decimal string; a guest order
(`customer_id` 0) is keyed by its billing email (mapping.guest_customer_id). Dates are taken from the
`_gmt` fields, which WooCommerce writes in UTC without an offset; the others are in the site's zone.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit

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

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
SOURCE_HEADER = "X-WC-Webhook-Source"
RESOURCE_HEADER = "X-WC-Webhook-Resource"
EVENT_HEADER = "X-WC-Webhook-Event"
WEBHOOK_ID_HEADER = "X-WC-Webhook-ID"
DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"

# Not order.restored (an order taken out of the trash): its cancellation stays counted, since the
# pipeline sees each event id once; the receiver still answers it 200, like any topic it ignores.
TOPICS = frozenset({"order.created", "order.updated", "order.deleted",
                    "customer.created", "customer.updated", "customer.deleted"})

PLACED = frozenset({"processing", "on-hold", "completed"})
CANCELLED = frozenset({"cancelled", "failed", "trash"})
UNPAID = frozenset({"pending", "checkout-draft"})
MAX_ITEMS = 500  # the events schema's limit on an order's lines

_PING = re.compile(rb"webhook_id=\d+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Delivery:
    """Who sent a delivery and what it is, from its headers."""

    topic: str
    source: str
    delivery_id: str | None
    resource: str
    event: str


signature = signing.signature  # what WooCommerce sends for a body and secret (tests sign with it)


def verify(raw_body: bytes, headers: Mapping[str, str], secrets: tuple[str, ...]) -> bool:
    """True when the body is signed with one of the secrets (the previous one stays valid while the
    shop owner changes the webhook's secret). Constant-time, before any parsing."""
    return signing.signed_with(raw_body, headers.get(SIGNATURE_HEADER), secrets)


def is_ping(raw_body: bytes, content_type: str | None) -> bool:
    """The activation ping WooCommerce posts when a webhook is saved active: the form-encoded body
    `webhook_id=N`, unsigned. WooCommerce keeps the webhook only if this is answered 200 exactly."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in ("", "application/x-www-form-urlencoded") and _PING.fullmatch(raw_body.strip()) is not None


def normalise_site_url(url: str | None) -> str:
    """A site's address in one spelling, to match a delivery's source to a connection: lowercase
    scheme and host, no default port, the path kept (WordPress may live under /shop), no trailing
    slash (WooCommerce's source header is `home_url('/')`), no query. "" for nothing."""
    text = (url or "").strip()
    if not text:
        return ""
    parts = urlsplit(text if "://" in text else "https://" + text)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def delivery(headers: Mapping[str, str]) -> Delivery:
    """The delivery's topic, site, id, resource and event."""
    topic = (headers.get(TOPIC_HEADER) or "").strip().lower()
    resource, _, event = topic.partition(".")
    return Delivery(topic=topic, source=normalise_site_url(headers.get(SOURCE_HEADER)),
                    delivery_id=(headers.get(DELIVERY_HEADER) or "").strip() or None,
                    resource=(headers.get(RESOURCE_HEADER) or "").strip().lower() or resource,
                    event=(headers.get(EVENT_HEADER) or "").strip().lower() or event)


def dedupe_keys(delivery: Delivery, payload: Mapping) -> list[str]:
    """Keys under which this delivery counts as seen: one for the delivery, one for the change.

    WooCommerce may send one change twice under different deliveries (order.created and
    order.updated for the same save, or two hooks of one topic in two requests), so the change is
    keyed by (resource, id, date_modified_gmt). Both keys carry a digest of the body, because
    neither part is unique alone: date_modified_gmt has one-second resolution, and the delivery id
    is wp_hash(webhook id . current second) (WC_Webhook::get_new_delivery_id), shared by every
    delivery one webhook makes within a second. A key never matches a body that says something new.
    """
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    digest = hashlib.sha256(body).hexdigest()[:32]
    resource_id, prefix = payload.get("id"), f"woocommerce:{delivery.source}"
    keys = []
    if delivery.delivery_id:
        keys.append(f"{prefix}:delivery:{delivery.delivery_id}:{delivery.resource}:{resource_id}:{digest}")
    if resource_id and payload.get("date_modified_gmt"):
        keys.append(f"{prefix}:{delivery.resource}:{resource_id}:{payload['date_modified_gmt']}:{digest}")
    return keys


# --- payloads to events ------------------------------------------------------------------------


def _utc(value) -> str | None:
    """A WooCommerce `_gmt` date ("2017-03-22T19:28:02", UTC without an offset) in ISO 8601 with
    its offset; None when it is missing or not a date."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _identity(address: str | None, name: str | None, phone) -> dict:
    return {key: value for key, value in (("email", address), ("name", name),
                                          ("phone", str(phone or "").strip()[:50])) if value}


def _line(item: Mapping) -> dict:
    """A line item in our words. WooCommerce escapes names for HTML ("&ndash;"); a line without a
    SKU is named by its variation, product or line id."""
    variation = item.get("variation_id") or None  # 0 when the product has no variations
    return line(item.get("sku"), html.unescape(str(item.get("name") or "")), item.get("quantity"), item.get("price"),
                ("variation", variation), ("product", item.get("product_id")), ("line", item.get("id")),
                line_id=item.get("id"))


def customer_events(customer: Mapping) -> list[dict]:
    """customer.created and customer.updated: the profile's identity, once per modification."""
    stamp = customer.get("date_modified_gmt") or customer.get("date_created_gmt")
    when = _utc(stamp)
    if not customer.get("id") or when is None:
        return []
    billing = obj(customer.get("billing"))
    properties = _identity(email(customer.get("email")) or email(billing.get("email")),
                           name_of(customer) or name_of(billing), billing.get("phone"))
    return [{"id": f"woocommerce-customer-{customer['id']}-{stamp}", "type": "identify",
             "customer_id": str(customer["id"]), "timestamp": when, "properties": properties}]


def _customer_key(order: Mapping) -> str | None:
    """The order's customer: their WooCommerce id, or for a guest (customer_id 0) their billing
    email; None for a guest without a usable address, whose order cannot be put on anyone."""
    try:
        customer_id = int(order.get("customer_id") or 0)
    except (TypeError, ValueError):
        customer_id = 0
    if customer_id > 0:
        return str(customer_id)
    address = email(obj(order.get("billing")).get("email"))
    return guest_customer_id(address) if address else None


def _billing_identify(order: Mapping, customer_key: str, when: str) -> list[dict]:
    """Who the billing address says the customer is. Dated when the order was placed, so an old
    order changed today does not outrank a newer profile; its id carries date_modified_gmt, so an
    edited address is a new event that wins over the order's earlier ones."""
    billing = obj(order.get("billing"))
    properties = _identity(email(billing.get("email")), name_of(billing), billing.get("phone"))
    if not properties:
        return []
    stamp = order.get("date_modified_gmt") or order.get("date_created_gmt")
    return [{"id": f"woocommerce-order-{order['id']}-billing-{stamp}", "type": "identify",
             "customer_id": customer_key, "timestamp": when, "properties": properties}]


def _placed(order: Mapping, customer_key: str, when: str) -> dict:
    return {"id": f"woocommerce-order-{order['id']}", "type": "order_placed", "customer_id": customer_key,
            "timestamp": when,
            "properties": {"order_id": str(order["id"]), **number(f"#{order.get('number') or order['id']}"),
                           "currency": currency(order.get("currency")),
                           "total": money(order.get("total")) or "0.00",
                           "items": [_line(item) for item in objs(order.get("line_items"))[:MAX_ITEMS]]}}


def cancelled_event(order_id, customer_key: str, when: str) -> dict:
    """The order's cancellation, under the one id it has however it is learnt (a status, a
    deletion, an agent's cancellation from the console): it counts once."""
    return {"id": f"woocommerce-order-{order_id}-cancelled", "type": "order_cancelled",
            "customer_id": customer_key, "timestamp": when, "properties": {"order_id": str(order_id)}}


def refund_event(order_id, refund_id, amount: str, customer_key: str, when: str, reason=None) -> dict:
    """One refund of `amount` (a two-place string), under the id WooCommerce's refund has, so that
    the order's `refunds[]` and an agent's refund from the console count once."""
    properties = {"order_id": str(order_id), "amount": amount, "refund_id": str(refund_id)}
    if str(reason or "").strip():
        properties["reason"] = str(reason).strip()[:255]
    return {"id": f"woocommerce-refund-{refund_id}", "type": "order_refunded", "customer_id": customer_key,
            "timestamp": when, "properties": properties}


def _refunds(order: Mapping, customer_key: str, when: str) -> list[dict]:
    """One order_refunded per entry of `refunds[]` ({id, reason, total: "-10.00"}). A refunded
    order whose refunds do not cover its total gets the remainder as one more refund: WooCommerce
    records that remainder itself (wc_order_fully_refunded, on the status change), but a payload
    built before it was saved would otherwise leave the refund out."""
    events, refunded = [], Decimal("0")
    for refund in objs(order.get("refunds")):
        amount = money(refund.get("total"))
        if not refund.get("id") or amount is None:
            continue
        refunded += Decimal(amount)
        events.append(refund_event(order["id"], refund["id"], amount, customer_key, when, refund.get("reason")))
    remainder = Decimal(money(order.get("total")) or "0") - refunded
    if order.get("status") == "refunded" and remainder > 0:
        events.append({"id": f"woocommerce-order-{order['id']}-refunded", "type": "order_refunded",
                       "customer_id": customer_key, "timestamp": when,
                       "properties": {"order_id": str(order["id"]), "amount": money(remainder)}})
    return events


def order_events(order: Mapping) -> list[dict]:
    """order.created and order.updated: the customer's identity from the billing address, then by
    status: processing, on-hold and completed place the order; refunded places it and refunds it;
    cancelled, failed and trash cancel it; pending and checkout-draft say only who the customer is
    (nothing is paid yet). A status a plugin added counts as placed once WooCommerce has a payment
    date for the order. Each entry of `refunds[]` is a refund, whatever the status.
    A guest order without a usable email gives nothing: no one could be found for it."""
    customer_key = _customer_key(order)
    placed_at = _utc(order.get("date_created_gmt")) or _utc(order.get("date_modified_gmt"))
    if not order.get("id") or customer_key is None or placed_at is None:
        return []
    changed_at = _utc(order.get("date_modified_gmt")) or placed_at
    status = str(order.get("status") or "").lower()
    events = _billing_identify(order, customer_key, placed_at)
    if status in CANCELLED:
        events.append(cancelled_event(order["id"], customer_key, changed_at))
    elif status in PLACED or status == "refunded" or (status not in UNPAID and order.get("date_paid_gmt")):
        events.append(_placed(order, customer_key, placed_at))
    return events + _refunds(order, customer_key, changed_at)


def deleted_events(resource: str, payload: Mapping, *, customer_id: str | None = None,
                   received_at: datetime | None = None) -> list[dict]:
    """order.deleted and customer.deleted, whose payload is only `{"id": N}`.

    An order WooCommerce deletes (moves to the trash: the topic fires on wp_trash_post and
    woocommerce_trash_order) is cancelled. The payload names no customer, so the caller passes the
    customer its stored order belongs to; without one there is no one to tell, and nothing is sent.
    The event has the same id as a cancellation seen in an order.updated, so the two count once.

    A deleted customer gives nothing: removing a WordPress user is a shop's housekeeping, while
    erasing someone's history here (conversations, tickets, orders) is an admin's decision under the
    data-protection tools, not something a webhook should trigger.
    """
    if resource != "order" or not payload.get("id") or not customer_id:
        return []
    when = (received_at or datetime.now(UTC)).astimezone(UTC).isoformat()
    return [cancelled_event(payload["id"], customer_id, when)]
