"""Realistic shop events, as the shop's server sends them to /api/v1/events, for service, view,
socket and browser tests (tests.factories.make_customer ingests them to make a customer)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

MUG = ("MUG-BLUE", "Blue enamel mug", 2, "12.50")
TEA = ("TEA-EARL", "Earl Grey, loose leaf 250 g", 1, "8.90")
KETTLE = ("KET-STEEL", "Stovetop kettle", 1, "39.00")


def at(minutes_ago: float = 0, *, now: datetime | None = None) -> str:
    """An ISO 8601 UTC timestamp, some minutes before now."""
    return ((now or datetime.now(UTC)) - timedelta(minutes=minutes_ago)).isoformat()


def event(kind: str, *, customer_id: str | None = None, anonymous_id: str | None = None,
          minutes_ago: float = 0, **properties) -> dict:
    """One event with a fresh unique id."""
    body = {"id": f"evt-{uuid.uuid4().hex}", "type": kind, "timestamp": at(minutes_ago), "properties": properties}
    if customer_id:
        body["customer_id"] = customer_id
    if anonymous_id:
        body["anonymous_id"] = anonymous_id
    return body


def line_items(*items: tuple[str, str, int, str]) -> tuple[list[dict], float]:
    """(sku, name, quantity, unit price) tuples as the shop's line items, and their total."""
    lines = [{"sku": sku, "name": name, "quantity": qty, "unit_price": float(price)} for sku, name, qty, price in items]
    total = sum(Decimal(price) * qty for _, _, qty, price in items)
    return lines, float(total)


def page_viewed(anonymous_id: str, *, minutes_ago: float = 0, url: str = "https://shop.test/",
                title: str = "Home", **utm) -> dict:
    return event("page_viewed", anonymous_id=anonymous_id, minutes_ago=minutes_ago, url=url, title=title, **utm)


def identify(customer_id: str, *, email: str, name: str, anonymous_id: str | None = None,
             minutes_ago: float = 0) -> dict:
    return event("identify", customer_id=customer_id, anonymous_id=anonymous_id, minutes_ago=minutes_ago,
                 email=email, name=name)


def cart_updated(customer_id: str, *items, currency: str = "EUR", minutes_ago: float = 0) -> dict:
    lines, total = line_items(*items)
    return event("cart_updated", customer_id=customer_id, minutes_ago=minutes_ago, items=lines,
                 currency=currency, total=total)


def order_placed(customer_id: str, order_id: str, *items, currency: str = "EUR", minutes_ago: float = 0) -> dict:
    lines, total = line_items(*items)
    return event("order_placed", customer_id=customer_id, minutes_ago=minutes_ago, order_id=order_id,
                 items=lines, currency=currency, total=total)


def visitor_journey(customer_id: str, *, email: str, name: str, minutes_ago: float = 600) -> list[dict]:
    """A visitor who arrives from an ad, reads a product page, then signs in: acquisition."""
    anonymous_id = f"anon-{uuid.uuid4().hex[:12]}"
    return [
        page_viewed(anonymous_id, minutes_ago=minutes_ago, utm_source="google", utm_medium="cpc",
                    utm_campaign="spring-tea"),
        page_viewed(anonymous_id, minutes_ago=minutes_ago - 5, url="https://shop.test/mugs/blue",
                    title="Blue enamel mug"),
        identify(customer_id, email=email, name=name, anonymous_id=anonymous_id, minutes_ago=minutes_ago - 10),
    ]

