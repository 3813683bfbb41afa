"""Event factories: realistic customer events for tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

_ids = itertools.count(1)
BASE = datetime(2026, 11, 20, 10, tzinfo=UTC)


def at(minutes: float = 0, *, days: float = 0) -> str:
    return (BASE + timedelta(minutes=minutes, days=days)).isoformat()


def event(kind: str, properties: dict | None = None, *, when: str | None = None, event_id: str | None = None,
          customer: str | None = None, anonymous: str | None = None) -> dict:
    """One event as the shop would send it."""
    data = {"id": event_id or f"evt-{next(_ids)}", "type": kind, "timestamp": when or at(),
            "properties": properties or {}}
    if customer:
        data["customer_id"] = customer
    if anonymous:
        data["anonymous_id"] = anonymous
    return data


def items(*lines: tuple[str, int, str]) -> list[dict]:
    return [{"sku": sku, "name": f"Product {sku}", "quantity": qty, "unit_price": price} for sku, qty, price in lines]


def cart(lines: list[dict], total: str, currency: str = "EUR") -> dict:
    return {"items": lines, "currency": currency, "total": total}


def order(order_id: str, lines: list[dict], total: str, currency: str = "EUR") -> dict:
    return {"order_id": order_id, "items": lines, "currency": currency, "total": total}
