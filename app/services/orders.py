"""Orders from order_placed / order_refunded events, and the order facts derived from them.
Helpers for ingestion and merges: they flush, never commit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Customer, Order, OrderItem
from app.services.batch_cache import BatchCache


def _order(external_order_id: str, customer: Customer, cache: BatchCache) -> Order:
    order = cache.order(external_order_id)
    if order is None:
        order = cache.orders[external_order_id] = Order(external_order_id=external_order_id, customer_id=customer.id)
        db.session.add(order)
    return order


def place_order(customer: Customer, props: dict, placed_at: datetime, cache: BatchCache) -> bool:
    """Record an order once. Returns True when the customer's order facts changed.

    Repeated deliveries of one order are one order; if they disagree on the time, the earliest
    wins whatever the arrival order (so a retried webhook with a later timestamp changes nothing).
    """
    order = _order(props["order_id"], customer, cache)
    if order.placed_at is not None and placed_at >= order.placed_at:
        return False  # a repeated delivery of the same order
    earlier_copy = order.placed_at is not None
    order.placed_at = placed_at
    order.total = props["total"]
    order.currency = props["currency"]
    order.items = [
        OrderItem(sku=i["sku"], name=i["name"], quantity=i["quantity"], unit_price=i["unit_price"])
        for i in props["items"]
    ]
    if earlier_copy:
        recount(db.session.get(Customer, order.customer_id))
    elif order.refunded_at is None:
        _add_order_facts(customer, order)
    return True


def refund_order(customer: Customer, props: dict, refunded_at: datetime, cache: BatchCache) -> bool:
    """Mark an order refunded (creating a placeholder if the order has not arrived yet)."""
    order = _order(props["order_id"], customer, cache)
    if order.refunded_at is not None:
        return False
    order.refunded_at = refunded_at
    if order.placed_at is not None:
        recount(db.session.get(Customer, order.customer_id))
    return True


def _add_order_facts(customer: Customer, order: Order) -> None:
    """O(1) update for the common case: a new order that is later than all others."""
    if customer.last_order_at is not None and order.placed_at < customer.last_order_at:
        recount(customer)  # arrived out of order: the gaps need the full list
        return
    if customer.last_order_at is not None:
        gap = (order.placed_at - customer.last_order_at).days
        customer.max_order_gap_days = max(customer.max_order_gap_days, gap)
    customer.order_count += 1
    customer.lifetime_value = (customer.lifetime_value or Decimal("0")) + order.total
    customer.first_order_at = customer.first_order_at or order.placed_at
    customer.last_order_at = order.placed_at


def _orders_of(customer: Customer) -> set[Order]:
    """The customer's orders as this session sees them, unflushed changes included: stored rows
    (the identity map keeps their in-memory state) plus orders added and not yet flushed. So no
    flush is needed, which inside ingestion would write every pending change of the batch."""
    stored = set(db.session.scalars(db.select(Order).where(Order.customer_id == customer.id)))
    pending = {o for o in db.session.new if isinstance(o, Order) and o.customer_id == customer.id}
    return stored | pending


def recount(customer: Customer) -> None:
    """Recompute order facts from the customer's orders (merges, refunds, late orders)."""
    placed = sorted((o.placed_at, o.total) for o in _orders_of(customer) if o.counts)
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
