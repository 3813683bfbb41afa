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

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from app.services.stores.mapping import email, line, money, name_of

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


def signature(raw_body: bytes, secret: str) -> str:
    """The signature Shopify sends for this body and secret."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(raw_body: bytes, headers: Mapping[str, str], secrets: tuple[str, ...]) -> bool:
    """True when the body is signed with one of the secrets (a rotated secret takes up to an hour to
    apply at Shopify, so the previous one may still sign). Constant-time, before any parsing."""
    sent = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not sent:
        return False
    return any(hmac.compare_digest(signature(raw_body, secret), sent) for secret in secrets if secret)


def delivery(headers: Mapping[str, str]) -> Delivery:
    """The delivery's topic, shop and id (the same id on Shopify's retries)."""
    return Delivery(topic=(headers.get(TOPIC_HEADER) or "").strip().lower(),
                    shop_domain=(headers.get(SHOP_HEADER) or "").strip().lower(),
                    delivery_id=(headers.get(DELIVERY_HEADER) or "").strip() or None)


# --- payloads to events ------------------------------------------------------------------------


def _line(item: Mapping) -> dict:
    """A line item in our words: a line without a SKU is named by its variant, product or line id."""
    return line(item.get("sku"), item.get("title") or item.get("name"), item.get("quantity"), item.get("price"),
                ("variant", item.get("variant_id")), ("product", item.get("product_id")), ("line", item.get("id")))


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


def order_events(order: Mapping) -> list[dict]:
    """orders/create, orders/updated, orders/paid: the customer (when the order has one) and the
    order, once per order id. Not mapped yet: a guest order (no customer), which needs its profile
    found by email, and a cancelled order, which the pipeline has no event for."""
    customer = order.get("customer") or {}
    if not customer.get("id") or not order.get("id"):
        return []
    events = [_identify(customer, order.get("created_at"))]
    if order.get("cancelled_at"):
        return events
    total = money(order.get("total_price"))
    events.append({
        "id": f"shopify-order-{order['id']}", "type": "order_placed", "customer_id": str(customer["id"]),
        "timestamp": order.get("created_at"),
        "properties": {"order_id": str(order["id"]), "order_number": order.get("name"),
                       "currency": (order.get("currency") or "").upper(), "total": total or "0.00",
                       "items": [_line(item) for item in order.get("line_items") or []]}})
    return events

