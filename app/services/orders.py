"""Orders from order_placed / order_refunded events, and the order facts derived from them.
Helpers for ingestion and merges: they flush, never commit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Customer, Order, OrderItem


def _order(external_order_id: str, customer: Customer) -> tuple[Order, bool]:
    order = db.session.scalar(db.select(Order).where(Order.external_order_id == external_order_id))
    if order is not None:
        return order, False
    order = Order(external_order_id=external_order_id, customer_id=customer.id)
    db.session.add(order)
    return order, True


def place_order(customer: Customer, props: dict, placed_at: datetime) -> bool:
    """Record an order once. Returns True when the customer's order facts changed."""
    order, _created = _order(props["order_id"], customer)
    if order.placed_at is not None:
        return False  # a repeated delivery of the same order
    order.placed_at = placed_at
    order.total = props["total"]
    order.currency = props["currency"]
    order.items = [
        OrderItem(sku=i["sku"], name=i["name"], quantity=i["quantity"], unit_price=i["unit_price"])
        for i in props["items"]
    ]
    if order.refunded_at is None:
        _add_order_facts(customer, order)
    return True


def refund_order(customer: Customer, props: dict, refunded_at: datetime) -> bool:
    """Mark an order refunded (creating a placeholder if the order has not arrived yet)."""
    order, _created = _order(props["order_id"], customer)
    if order.refunded_at is not None:
        return False
    order.refunded_at = refunded_at
    db.session.flush()
    if order.placed_at is not None:
        recount(db.session.get(Customer, order.customer_id))
    return True


def _add_order_facts(customer: Customer, order: Order) -> None:
    """O(1) update for the common case: a new order that is later than all others."""
    if customer.last_order_at is not None and order.placed_at < customer.last_order_at:
        db.session.flush()
        recount(customer)  # arrived out of order: the gaps need the full list
        return
    if customer.last_order_at is not None:
        gap = (order.placed_at - customer.last_order_at).days
        customer.max_order_gap_days = max(customer.max_order_gap_days, gap)
    customer.order_count += 1
    customer.lifetime_value = (customer.lifetime_value or Decimal("0")) + order.total
    customer.first_order_at = customer.first_order_at or order.placed_at
    customer.last_order_at = order.placed_at


def recount(customer: Customer) -> None:
    """Recompute order facts from the customer's orders (merges, refunds, late orders)."""
    placed = sorted(
        (o.placed_at, o.total)
        for o in db.session.scalars(
            db.select(Order).where(Order.customer_id == customer.id, Order.placed_at.is_not(None),
                                   Order.refunded_at.is_(None))
        )
    )
    customer.order_count = len(placed)
    customer.lifetime_value = sum((total for _, total in placed), Decimal("0"))
    customer.first_order_at = placed[0][0] if placed else None
    customer.last_order_at = placed[-1][0] if placed else None
    gaps = [(b[0] - a[0]).days for a, b in zip(placed, placed[1:], strict=False)]
    customer.max_order_gap_days = max(gaps, default=0)


def recent_orders(customer_id: int, limit: int = 20) -> list[Order]:
    """The latest orders with their items, newest first (placeholders of refunds excluded)."""
    return list(
        db.session.scalars(
            db.select(Order)
            .where(Order.customer_id == customer_id, Order.placed_at.is_not(None))
            .options(selectinload(Order.items))
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )
