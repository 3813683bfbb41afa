"""Finding the profile an event belongs to, creating it, and merging an anonymous visitor into the
customer they turn out to be. Helpers for ingestion: they flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import AnonymousVisitor, Cart, Customer, CustomerEvent, Order, StageTransition
from app.services import orders as orders_service


class ProfileCache:
    """Per-batch lookups, so a batch of 500 events about the same few people costs a few queries."""

    def __init__(self) -> None:
        self.by_external: dict[str, Customer] = {}
        self.by_anonymous: dict[str, Customer] = {}
        self.merged: dict[int, int] = {}  # deleted profile id → the profile it was merged into

    def surviving_id(self, customer_id: int) -> int:
        while customer_id in self.merged:
            customer_id = self.merged[customer_id]
        return customer_id

    def forget(self, customer: Customer) -> None:
        for index in (self.by_external, self.by_anonymous):
            for key in [k for k, v in index.items() if v is customer]:
                del index[key]


def _locked(query):
    # Row lock on PostgreSQL so concurrent batches cannot lose increments; SQLite's BEGIN IMMEDIATE
    # already serialises writers, and it ignores FOR UPDATE.
    return query.with_for_update()


def _by_external(external_id: str, cache: ProfileCache) -> Customer | None:
    if external_id not in cache.by_external:
        found = db.session.scalar(_locked(db.select(Customer).where(Customer.external_id == external_id)))
        if found is None:
            return None
        cache.by_external[external_id] = found
    return cache.by_external[external_id]


def _by_anonymous(anonymous_id: str, cache: ProfileCache) -> Customer | None:
    if anonymous_id not in cache.by_anonymous:
        found = db.session.scalar(
            _locked(
                db.select(Customer)
                .join(AnonymousVisitor, AnonymousVisitor.customer_id == Customer.id)
                .where(AnonymousVisitor.anonymous_id == anonymous_id)
            )
        )
        if found is None:
            return None
        cache.by_anonymous[anonymous_id] = found
    return cache.by_anonymous[anonymous_id]


def _new_customer(external_id: str | None, seen_at: datetime, cache: ProfileCache) -> Customer:
    if external_id is not None:
        # Concurrent first events for one customer: one insert wins, the other finds its row.
        db.session.execute(
            insert_ignoring_conflicts(Customer.__table__, ["external_id"]),
            # Core applies the columns' other defaults.
            {"external_id": external_id, "first_seen_at": seen_at, "last_seen_at": seen_at,
             "stage_changed_at": seen_at, "traits": {}},
        )
        return _by_external(external_id, cache)
    customer = Customer(first_seen_at=seen_at, last_seen_at=seen_at, stage_changed_at=seen_at, traits={})
    db.session.add(customer)
    db.session.flush()
    return customer


def _attach_visitor(anonymous_id: str, customer: Customer, seen_at: datetime, cache: ProfileCache) -> None:
    db.session.execute(
        insert_ignoring_conflicts(AnonymousVisitor.__table__, ["anonymous_id"]),
        {"anonymous_id": anonymous_id, "customer_id": customer.id, "first_seen_at": seen_at},
    )
    cache.by_anonymous[anonymous_id] = customer


def resolve(external_id: str | None, anonymous_id: str | None, seen_at: datetime, cache: ProfileCache) -> Customer:
    """The profile for an event, created if new. An event that names both a known customer and an
    anonymous visitor links them: the visitor's profile is adopted, or merged into the customer."""
    known = _by_external(external_id, cache) if external_id else None
    visitor = _by_anonymous(anonymous_id, cache) if anonymous_id else None
    if external_id is None:
        if visitor is None:
            visitor = _new_customer(None, seen_at, cache)
            _attach_visitor(anonymous_id, visitor, seen_at, cache)
        return visitor
    if known is None and visitor is not None and visitor.external_id is None:
        visitor.external_id = external_id  # the anonymous profile becomes the customer's
        cache.by_external[external_id] = visitor
        return visitor
    if known is None:
        known = _new_customer(external_id, seen_at, cache)
    if visitor is None and anonymous_id:
        _attach_visitor(anonymous_id, known, seen_at, cache)
    elif visitor is not None and visitor.id != known.id and visitor.external_id is None:
        merge_into(visitor, known, cache)
    return known


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def merge_into(source: Customer, target: Customer, cache: ProfileCache) -> None:
    """Move everything of an anonymous profile into a customer, then delete it."""
    for model in (CustomerEvent, Order, StageTransition, AnonymousVisitor):
        db.session.execute(update(model).where(model.customer_id == source.id).values(customer_id=target.id))
    source_cart, target_cart = db.session.get(Cart, source.id), db.session.get(Cart, target.id)
    if source_cart is not None:
        if target_cart is None or (source_cart.updated_at, source_cart.event_id) > (
            target_cart.updated_at, target_cart.event_id
        ):
            if target_cart is not None:
                db.session.delete(target_cart)
                db.session.flush()
            source_cart.customer_id = target.id
        else:
            db.session.delete(source_cart)
    target.first_seen_at = min(source.first_seen_at, target.first_seen_at)
    target.last_seen_at = max(source.last_seen_at, target.last_seen_at)
    target.engaged_at = _earliest(source.engaged_at, target.engaged_at)
    target.signed_up_at = _earliest(source.signed_up_at, target.signed_up_at)
    if source.lead_source_at and (target.lead_source_at is None or source.lead_source_at < target.lead_source_at):
        target.lead_source, target.lead_source_at = source.lead_source, source.lead_source_at
    target.referral_count += source.referral_count
    cache.forget(source)
    cache.merged[source.id] = target.id
    for visitor_row in db.session.scalars(db.select(AnonymousVisitor).where(AnonymousVisitor.customer_id == target.id)):
        cache.by_anonymous[visitor_row.anonymous_id] = target
    db.session.flush()
    db.session.expire(source)
    db.session.execute(db.delete(Customer).where(Customer.id == source.id))
    orders_service.recount(target)
