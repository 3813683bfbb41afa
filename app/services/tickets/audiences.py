"""Which lifecycle views a customer's tickets belong to, kept on the customer and on each ticket.

The console's lifecycle views ("buying now, cart loaded", "loyal customers", "customers at risk")
list tickets by their requester's stage, flags and cart as they are now. Reading that through a
join checks a customer row (and a cart row) for every ticket the view skips past; at a million
tickets that was the slowest page (docs/benchmarks.md). So the answer is a bit set, `audiences`,
on the customer and copied onto each of their tickets, and a view reads its work-queue index and
tests a bit of the row it already has.

Kept right on every flush (a before_flush listener, like the SLA fields, so every path is covered:
events, the lifecycle job, erasure, new tickets): a change of a customer's stage or flags, or of
their cart's item count, recomputes their bits; when they differ, every one of their tickets is
updated in the same transaction. A new ticket (or one given another requester) takes its
requester's bits.
"""

from __future__ import annotations

from sqlalchemy import and_, case, event, exists, or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Cart, Customer, Ticket
from app.services.customers.batch_cache import KNOWN_CARTS
from app.services.platform.locked_rows import changed_in_flush

# One bit per lifecycle view (app/services/tickets/lists.py VIEWS' audience); never renumber: stored.
CONVERSION_CART = 1  # in conversion, with something in the cart
LOYALTY = 2
AT_RISK = 4  # at risk, or a VIP who churned
BITS = {"conversion_cart": CONVERSION_CART, "loyalty": LOYALTY, "at_risk": AT_RISK}
_WATCHED = ("stage", "is_at_risk", "is_vip", "is_churned")


def audiences_of(customer: Customer, cart: Cart | None) -> int:
    """The bits for a customer as they are now (cart: theirs, or None)."""
    bits = 0
    if customer.stage == "conversion" and cart is not None and cart.item_count > 0:
        bits |= CONVERSION_CART
    if customer.stage == "loyalty":
        bits |= LOYALTY
    if customer.is_at_risk or (customer.is_vip and customer.is_churned):
        bits |= AT_RISK
    return bits


def _touched(session: Session) -> dict[Customer, Cart | None]:
    """The customers whose bits may have moved in this flush, each with their cart (a pending
    new cart is not found by its key before the flush, so it comes from the flush itself)."""
    carts = {obj.customer_id: obj for obj in (*session.new, *session.dirty) if isinstance(obj, Cart)}
    touched = {}
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Customer) and (obj in session.new or changed_in_flush(obj, *_WATCHED)):
            touched[obj] = carts.get(obj.id) if obj.id is not None else None
        elif isinstance(obj, Cart) and (obj in session.new or changed_in_flush(obj, "item_count")):
            customer = session.get(Customer, obj.customer_id)
            if customer is not None:
                touched[customer] = obj
    return touched


def _cart(session: Session, customer: Customer, cart: Cart | None) -> Cart | None:
    if customer.stage != "conversion" or customer.id is None:  # only that view looks at the cart
        return None
    if cart is not None:
        return cart
    known = session.info.get(KNOWN_CARTS) or {}
    if customer.id in known:  # an ingesting batch looked it up (None: no cart)
        return known[customer.id]
    return session.get(Cart, customer.id)


def _keep_in_step(session: Session, _flush_context, _instances) -> None:
    with session.no_autoflush:
        for customer, cart in _touched(session).items():
            bits = audiences_of(customer, _cart(session, customer, cart))
            if bits != customer.audiences:
                customer.audiences = bits
        for ticket in [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Ticket)]:
            if ticket in session.new or changed_in_flush(ticket, "requester_id"):
                requester = session.get(Customer, ticket.requester_id)
                ticket.audiences = requester.audiences if requester is not None else 0


def _copy_to_tickets(session: Session, _flush_context) -> None:
    """After the flush (the objects still hold their changes' history): the existing tickets of
    each customer whose bits moved take them, one UPDATE each on the requester index (customers
    have a handful of tickets), on the flush's own connection and transaction."""
    tickets = Ticket.__table__
    for customer in session.dirty:
        if isinstance(customer, Customer) and changed_in_flush(customer, "audiences"):
            session.connection().execute(update(tickets).where(
                tickets.c.requester_id == customer.id, tickets.c.audiences != customer.audiences)
                .values(audiences=customer.audiences))


def install() -> None:
    """Called by create_app: keep customers' and tickets' audiences right on every flush (once)."""
    if not event.contains(Session, "before_flush", _keep_in_step):
        event.listen(Session, "before_flush", _keep_in_step)
        event.listen(Session, "after_flush", _copy_to_tickets)


def recompute_all() -> None:
    """Set every customer's and ticket's bits from scratch in two statements (the caller commits):
    for data written past the ORM (bench/tickets.py's bulk load). Mirrors audiences_of."""
    customers, carts, tickets = Customer.__table__, Cart.__table__, Ticket.__table__
    loaded_cart = exists().where(carts.c.customer_id == customers.c.id, carts.c.item_count > 0)
    db.session.execute(update(customers).values(audiences=(
        case((and_(customers.c.stage == "conversion", loaded_cart), CONVERSION_CART), else_=0)
        + case((customers.c.stage == "loyalty", LOYALTY), else_=0)
        + case((or_(customers.c.is_at_risk, and_(customers.c.is_vip, customers.c.is_churned)), AT_RISK), else_=0))))
    requester_bits = select(customers.c.audiences).where(customers.c.id == tickets.c.requester_id).scalar_subquery()
    db.session.execute(update(tickets).values(audiences=requester_bits))
