"""Orders from order_placed / order_refunded / order_cancelled events, and the order facts derived
from them.
Helpers for ingestion and merges: they flush, never commit.

The shop's server is the source of truth for orders. A shopper's page may report an order too
(order_placed from a verified customer), but that is a claim: it creates an unconfirmed order on
the shopper, and never touches an order that is not its own claim. The server's word about an
order id known only from a claim takes it over, whoever claimed it; so a shopper who sends the id
the shop will use for someone else's order gains nothing (order-id squatting)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Customer, Order, OrderItem
from app.services.customers.batch_cache import BatchCache
from app.services.customers.event_sources import speaks_for_shop
from app.services.platform.locked_rows import get_locked


def _new_order(external_order_id: str, customer: Customer, cache: BatchCache, *, confirmed: bool,
               source: str | None = None) -> Order:
    order = cache.orders[external_order_id] = Order(
        external_order_id=external_order_id, customer_id=customer.id, confirmed=confirmed, source=source
    )
    db.session.add(order)
    return order


def _fill(order: Order, props: dict, placed_at: datetime) -> None:
    number = props.get("order_number")
    order.number = str(number)[:64] if isinstance(number, str | int) and str(number).strip() else None
    order.placed_at = placed_at
    order.total = props["total"]
    order.currency = props["currency"]
    order.items = [
        OrderItem(sku=i["sku"], name=i["name"], quantity=i["quantity"], unit_price=i["unit_price"],
                  external_line_id=str(i["line_id"])[:64] if i.get("line_id") else None)
        for i in props["items"]
    ]


def place_order(customer: Customer, props: dict, placed_at: datetime, cache: BatchCache, *, source: str) -> bool:
    """Record an order once. Returns True when the order changed.

    From the server: a new order is confirmed; one known only from a claim is taken over (see
    _take_over); repeated deliveries of a confirmed order are one order, and if they disagree on the
    time, the earliest wins whatever the arrival order (so a retried webhook with a later timestamp
    changes nothing). From a page: a new order is an unconfirmed claim; a later claim of the same
    customer follows the earliest-wins rule; any other order is left alone, answered as a repeat
    (so the answer does not tell a shopper that someone else's order has this id).
    """
    server, order = speaks_for_shop(source), cache.order(props["order_id"])
    if order is None:
        order = _new_order(props["order_id"], customer, cache, confirmed=server, source=source)
    elif server and not order.confirmed:
        order.source = source
        _take_over(order, customer, props, placed_at, cache)
        return True
    elif not server and (order.confirmed or order.customer_id != customer.id):
        return False
    if order.placed_at is not None and placed_at >= order.placed_at:
        return False  # a repeated delivery of the same order
    earlier_copy = order.placed_at is not None
    _fill(order, props, placed_at)
    _refunded_in_full(order, placed_at)
    if earlier_copy or order.customer_id != customer.id:  # the latter: a refund's placeholder, on its customer
        _recount_owner(order, customer, cache)
    elif order.counts:
        _add_order_facts(customer, order)
    return True


def refund_order(customer: Customer, props: dict, refunded_at: datetime, cache: BatchCache, *, source: str) -> bool:
    """Record a refund: of `amount` when the event gives one (a partial refund; each refund event
    counts once, ingestion drops repeats by event id), else of the whole order. Refunds reaching
    the order's total refund it whole. A refund that arrives before its order creates a confirmed
    placeholder that the order fills in later.

    Only the server refunds (pages may not send order_refunded at all; should one get here, it is
    ignored). A refund of an order id another customer's page claimed takes the id from the claim:
    the row becomes the server's customer's placeholder, for the server's order_placed to fill in.
    """
    order = _server_order(customer, props, cache, source)
    if order is None or order.refunded_at is not None:
        return False
    amount = props.get("amount")
    if amount is None:
        order.refunded_at = refunded_at
    else:
        order.refunded_amount = (order.refunded_amount or Decimal("0")) + Decimal(amount)
        _refunded_in_full(order, refunded_at)
    if order.placed_at is not None:
        _recount_owner(order, customer, cache)
    return True


def cancel_order(customer: Customer, props: dict, cancelled_at: datetime, cache: BatchCache, *, source: str) -> bool:
    """Mark an order cancelled: it leaves the customer's order count and lifetime value. Like a
    refund, only the server's word counts, and a cancellation before its order leaves a placeholder."""
    order = _server_order(customer, props, cache, source)
    if order is None or order.cancelled_at is not None:
        return False
    order.cancelled_at = cancelled_at
    if order.placed_at is not None:
        _recount_owner(order, customer, cache)
    return True


def _server_order(customer: Customer, props: dict, cache: BatchCache, source: str) -> Order | None:
    """The order a server's refund or cancellation is about (a placeholder when it has not arrived;
    the id taken from another customer's claim); None when a page sent it."""
    if not speaks_for_shop(source):
        return None
    order = cache.order(props["order_id"])
    if order is None:
        order = _new_order(props["order_id"], customer, cache, confirmed=True, source=source)
    elif not order.confirmed and order.customer_id != customer.id:
        order.source = source
        _release_claim(order, customer, cache)
    return order


def _refunded_in_full(order: Order, at: datetime) -> None:
    """Partial refunds that reach a placed order's total refund it whole."""
    if order.refunded_at is None and order.placed_at is not None and order.total > 0 \
            and (order.refunded_amount or Decimal("0")) >= order.total:
        order.refunded_at = at


def _take_over(order: Order, customer: Customer, props: dict, placed_at: datetime, cache: BatchCache) -> None:
    """The server's order_placed for an order known only from a page's claim: the server's customer,
    time, total and items replace the claim's (a later time too: the claim's is not the shop's), the
    order is confirmed, and both customers' order facts are recounted. A refund the server already
    sent for this id stays."""
    claimant = order.customer_id
    order.customer_id, order.confirmed = customer.id, True
    _fill(order, props, placed_at)
    _refunded_in_full(order, placed_at)
    if claimant != customer.id:
        _recount_other(claimant, cache)  # flushes: the recount below then finds the order on its new customer
    recount(customer)


def _release_claim(order: Order, customer: Customer, cache: BatchCache) -> None:
    """The server's refund of an order id another customer's page claimed: the row goes to the
    server's customer as a placeholder, confirmed. What the claim said (time, total, items) is
    dropped rather than kept: the server never vouched for it, and it was the claimant's text,
    which would otherwise show on the real customer's profile and in messages quoting their order."""
    claimant = order.customer_id
    order.customer_id, order.confirmed = customer.id, True
    order.placed_at, order.total, order.currency, order.items = None, Decimal("0"), None, []
    _recount_other(claimant, cache)


def _recount_owner(order: Order, customer: Customer, cache: BatchCache) -> None:
    """Recount the order's customer: the event's, or (a repeat naming another customer) its owner."""
    if order.customer_id == customer.id:
        recount(customer)
    else:
        _recount_other(order.customer_id, cache)


def _recount_other(customer_id: int, cache: BatchCache) -> None:
    """Recount a customer other than the event's: an order was taken from them or changed on them.

    Their row is locked and read afresh first (the batch locked only the profiles its events name),
    so that a concurrent batch's increments are not lost; the flush before it keeps this batch's
    pending changes from being overwritten by the fresh read, and lets the recount see where this
    batch moved orders. Ingestion then reassesses their stage and tells their watching agents.
    """
    db.session.flush()
    other = get_locked(Customer, customer_id, "customer not found")
    recount(other)
    cache.recounted.add(other.id)


def _add_order_facts(customer: Customer, order: Order) -> None:
    """O(1) update for the common case: a new order that is later than all others."""
    if customer.last_order_at is not None and order.placed_at < customer.last_order_at:
        recount(customer)  # arrived out of order: the gaps need the full list
        return
    if customer.last_order_at is not None:
        gap = (order.placed_at - customer.last_order_at).days
        customer.max_order_gap_days = max(customer.max_order_gap_days, gap)
    customer.order_count += 1
    customer.lifetime_value = (customer.lifetime_value or Decimal("0")) + order.net_total
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
    placed = sorted((o.placed_at, o.net_total) for o in _orders_of(customer) if o.counts)
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
