"""Per-batch lookups for ingestion: the profiles, carts and orders a batch touches, loaded in a
few queries up front rather than one query (and one autoflush) per event."""

from __future__ import annotations

from sqlalchemy import or_

from app.extensions import db
from app.models import AnonymousVisitor, Cart, Customer, Order

ORDER_TYPES = ("order_placed", "order_refunded", "order_cancelled")
CHUNK = 500  # ids per IN (…): far below SQLite's and PostgreSQL's parameter limits
# session.info key under which an ingesting batch lends its carts (customer id → Cart or None) to
# flush listeners, so that "this customer has no cart" costs no query.
KNOWN_CARTS = "helpdesk.known_carts"


def _chunks(values: set) -> list[list]:
    ordered = sorted(values)
    return [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]


class BatchCache:
    """What one batch has looked up. A key mapped to None was looked up and does not exist.

    Keys missing from a dict were never looked up: the helpers then ask the database.
    """

    def __init__(self) -> None:
        self.by_external: dict[str, Customer | None] = {}
        self.by_anonymous: dict[str, Customer | None] = {}
        self.merged: dict[int, int] = {}  # deleted profile id → the profile it was merged into
        self.carts: dict[int, Cart | None] = {}
        self.orders: dict[str, Order | None] = {}
        # Customers other than an event's own whose order facts changed (an order taken from a
        # page's claim): ingestion reassesses their stage and announces them.
        self.recounted: set[int] = set()

    def surviving_id(self, customer_id: int) -> int:
        """The profile a (possibly merged-away) profile's data now lives in."""
        while customer_id in self.merged:
            customer_id = self.merged[customer_id]
        return customer_id

    def forget(self, customer: Customer) -> None:
        """Drop a (merged, deleted) profile from the lookups; its keys are looked up again if needed."""
        for index in (self.by_external, self.by_anonymous):
            for key in [k for k, v in index.items() if v is customer]:
                del index[key]
        self.carts.pop(customer.id, None)

    def cart(self, customer_id: int) -> Cart | None:
        """The customer's cart (pending ones included: the session does not autoflush here)."""
        if customer_id not in self.carts:
            self.carts[customer_id] = db.session.get(Cart, customer_id)
        return self.carts[customer_id]

    def order(self, external_order_id: str) -> Order | None:
        """The order with the shop's id (pending ones included), or None; locked like prefetch's."""
        if external_order_id not in self.orders:
            self.orders[external_order_id] = db.session.scalar(
                db.select(Order).where(Order.external_order_id == external_order_id).with_for_update()
            )
        return self.orders[external_order_id]

    def prefetch(self, events: list[dict]) -> None:
        """Load every profile, visitor link, cart and order the events name, a few queries in all.

        On PostgreSQL the profiles are locked (FOR UPDATE, in id order so that two batches cannot
        deadlock on each other), so concurrent batches cannot lose increments; so are the orders (in
        the shop's id order), so that a batch deciding whose an order is reads it as a concurrent
        batch that took it over left it.
        """
        externals = {e["customer_id"] for e in events if e.get("customer_id")}
        anonymous = {e["anonymous_id"] for e in events if e.get("anonymous_id")}
        order_ids = {e["properties"]["order_id"] for e in events if e["type"] in ORDER_TYPES}
        external_chunks, anonymous_chunks = _chunks(externals), _chunks(anonymous)
        linked: set[str] = set()
        for n in range(max(len(external_chunks), len(anonymous_chunks))):
            externals_n = external_chunks[n] if n < len(external_chunks) else []
            linked |= self._load_customers(externals_n, anonymous_chunks[n] if n < len(anonymous_chunks) else [])
        self.by_external.update({key: None for key in externals if key not in self.by_external})
        self.by_anonymous.update({key: None for key in anonymous - linked})
        self._load_carts()
        for chunk in _chunks(order_ids):
            self.orders.update({o.external_order_id: o for o in db.session.scalars(
                db.select(Order).where(Order.external_order_id.in_(chunk))
                .order_by(Order.external_order_id).with_for_update())})
        self.orders.update({key: None for key in order_ids if key not in self.orders})

    def _load_customers(self, externals: list[str], anonymous: list[str]) -> set[str]:
        """One locking read for the profiles named either way, then the visitor links; returns the
        anonymous ids that have a profile."""
        visitors = db.select(AnonymousVisitor.customer_id).where(AnonymousVisitor.anonymous_id.in_(anonymous))
        rows = db.session.scalars(
            db.select(Customer)
            .where(or_(Customer.external_id.in_(externals), Customer.id.in_(visitors)))
            .order_by(Customer.id)
            .with_for_update()
        )
        found = {c.id: c for c in rows}
        self.by_external.update({c.external_id: c for c in found.values() if c.external_id})
        if not anonymous:
            return set()
        links = db.session.execute(
            db.select(AnonymousVisitor.anonymous_id, AnonymousVisitor.customer_id)
            .where(AnonymousVisitor.anonymous_id.in_(anonymous))
        )
        linked = set()
        for anonymous_id, customer_id in links:
            linked.add(anonymous_id)
            if customer_id in found:  # else moved by a concurrent merge: looked up again when needed
                self.by_anonymous[anonymous_id] = found[customer_id]
        return linked

    def _load_carts(self) -> None:
        ids = {c.id for c in (*self.by_external.values(), *self.by_anonymous.values()) if c is not None}
        for chunk in _chunks(ids):
            self.carts.update({c.customer_id: c for c in db.session.scalars(
                db.select(Cart).where(Cart.customer_id.in_(chunk)))})
        self.carts.update({key: None for key in ids if key not in self.carts})
