"""Finding the profile an event belongs to, creating it, and merging an anonymous visitor into the
customer they turn out to be. Helpers for ingestion: they flush, never commit."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import AnonymousVisitor, Conversation, Customer, CustomerEvent, Order, OutreachDecision, StageTransition
from app.services.customers import orders as orders_service
from app.services.customers.batch_cache import BatchCache
from app.services.customers.event_effects import merge_fields


def _locked(query):
    # Row lock on PostgreSQL so concurrent batches cannot lose increments; SQLite's BEGIN IMMEDIATE
    # already serialises writers, and it ignores FOR UPDATE.
    return query.with_for_update()


def _load_external(external_id: str, cache: BatchCache) -> Customer | None:
    found = db.session.scalar(_locked(db.select(Customer).where(Customer.external_id == external_id)))
    cache.by_external[external_id] = found
    return found


def _by_external(external_id: str, cache: BatchCache) -> Customer | None:
    if external_id not in cache.by_external:
        return _load_external(external_id, cache)
    return cache.by_external[external_id]


def _by_anonymous(anonymous_id: str, cache: BatchCache) -> Customer | None:
    if anonymous_id not in cache.by_anonymous:
        cache.by_anonymous[anonymous_id] = db.session.scalar(
            _locked(
                db.select(Customer)
                .join(AnonymousVisitor, AnonymousVisitor.customer_id == Customer.id)
                .where(AnonymousVisitor.anonymous_id == anonymous_id)
            )
        )
    return cache.by_anonymous[anonymous_id]


@functools.cache
def _inserts(dialect: str) -> dict:
    """The INSERT statements for new profiles and visitor links, built once per database dialect:
    building one (with its 30 columns to return) costs more than running it. They are immutable."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    return {
        "anonymous": insert(Customer).returning(Customer),
        # Concurrent first events for one customer: one insert wins, the other finds its row.
        "external": insert(Customer).on_conflict_do_nothing(index_elements=["external_id"]).returning(Customer),
        "many_anonymous": insert(Customer).returning(Customer, sort_by_parameter_order=True),
        # Core, not ORM: a link row needs no object, and the ORM's bulk path costs more.
        "visitor": insert(AnonymousVisitor.__table__).on_conflict_do_nothing(index_elements=["anonymous_id"]),
        "visitors": insert(AnonymousVisitor.__table__).on_conflict_do_nothing(index_elements=["anonymous_id"])
        .returning(AnonymousVisitor.__table__.c.anonymous_id),
    }


def _new_customer(external_id: str | None, seen_at: datetime, cache: BatchCache) -> Customer:
    """A new profile, inserted at once (an INSERT … RETURNING, no flush of the batch's other
    changes). Core applies the columns' other defaults."""
    values = {"external_id": external_id, "first_seen_at": seen_at, "last_seen_at": seen_at,
              "stage_changed_at": seen_at, "traits": {}}
    customer = db.session.scalar(_inserts(db.engine.dialect.name)["external" if external_id else "anonymous"], values)
    if customer is None:
        return _load_external(external_id, cache)
    if external_id:
        cache.by_external[external_id] = customer
    cache.carts[customer.id] = None  # a new profile has no cart yet
    return customer


def _attach_visitor(anonymous_id: str, customer: Customer, seen_at: datetime, cache: BatchCache) -> None:
    db.session.execute(
        _inserts(db.engine.dialect.name)["visitor"],
        {"anonymous_id": anonymous_id, "customer_id": customer.id, "first_seen_at": seen_at},
    )
    cache.by_anonymous[anonymous_id] = customer


def _creation_plan(events: list[dict], cache: BatchCache) -> list[tuple[str | None, str | None, datetime]]:
    """(customer id, anonymous id, first seen) for each profile that resolve() would create for
    this batch: an id unknown to the database, at its first event in the batch, alone or with an
    equally new other id. Other first sightings (an unknown customer with a known visitor: adoption
    or merge) are left to resolve()."""
    seen: set[tuple[str, str | None]] = set()
    plan = []
    for event in events:
        external, anonymous = event.get("customer_id"), event.get("anonymous_id")
        new_external = external is not None and ("c", external) not in seen \
            and external in cache.by_external and cache.by_external[external] is None
        new_anonymous = anonymous is not None and ("a", anonymous) not in seen \
            and anonymous in cache.by_anonymous and cache.by_anonymous[anonymous] is None
        if (external is None and new_anonymous) or (new_external and (anonymous is None or new_anonymous)):
            plan.append((external, anonymous, event["timestamp"]))
        seen.update({("c", external), ("a", anonymous)})
    return plan


def _new_row(external_id: str | None, seen_at: datetime) -> dict:
    # Core applies the columns' other defaults.
    return {"external_id": external_id, "first_seen_at": seen_at, "last_seen_at": seen_at,
            "stage_changed_at": seen_at, "traits": {}}


def create_new_profiles(events: list[dict], cache: BatchCache) -> None:
    """Create the batch's new profiles and their visitor links in three statements rather than two
    per profile, with the values resolve() would give them; resolve() then finds them cached."""
    plan = _creation_plan(events, cache)
    statements = _inserts(db.engine.dialect.name)
    anonymous = [entry for entry in plan if entry[0] is None]
    known = [entry for entry in plan if entry[0] is not None]
    pairs: list[tuple[tuple, Customer | None]] = []
    if anonymous:
        made = db.session.scalars(statements["many_anonymous"], [_new_row(None, at) for _, _, at in anonymous])
        pairs += zip(anonymous, made.all(), strict=True)
    if known:
        rows = [_new_row(external, at) for external, _, at in known]
        found = {c.external_id: c for c in db.session.scalars(statements["external"], rows)}
        pairs += [(entry, found.get(entry[0])) for entry in known]
    for (external, _, _), customer in pairs:
        if customer is None:
            cache.by_external.pop(external)  # a concurrent batch created it: resolve() looks it up
            continue
        if external:
            cache.by_external[external] = customer
        cache.carts[customer.id] = None  # a new profile has no cart yet
    _link_visitors([(anonymous_id, customer, at) for (_, anonymous_id, at), customer in pairs
                    if anonymous_id and customer is not None], cache)


def _link_visitors(links: list[tuple[str, Customer, datetime]], cache: BatchCache) -> None:
    if not links:
        return
    linked = set(db.session.scalars(
        _inserts(db.engine.dialect.name)["visitors"],
        [{"anonymous_id": anonymous_id, "customer_id": customer.id, "first_seen_at": at}
         for anonymous_id, customer, at in links],
    ))
    orphans = []
    for anonymous_id, customer, _ in links:
        if anonymous_id in linked:
            cache.by_anonymous[anonymous_id] = customer
            continue
        cache.by_anonymous.pop(anonymous_id, None)  # a concurrent batch linked it first: looked up again
        if customer.external_id is None:
            orphans.append(customer.id)  # a profile made only for that visitor
    if orphans:
        db.session.execute(db.delete(Customer).where(Customer.id.in_(orphans)))


def resolve(external_id: str | None, anonymous_id: str | None, seen_at: datetime, cache: BatchCache) -> Customer:
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


def _merge_carts(source: Customer, target: Customer, cache: BatchCache) -> None:
    """The newer of the two carts (by time, then event id) becomes the customer's."""
    source_cart, target_cart = cache.cart(source.id), cache.cart(target.id)
    if source_cart is None:
        return
    if target_cart is None or (source_cart.updated_at, source_cart.event_id) > (
        target_cart.updated_at, target_cart.event_id
    ):
        if target_cart is not None:
            db.session.delete(target_cart)
            db.session.flush()
        source_cart.customer_id = target.id
        cache.carts[target.id] = source_cart
    else:
        db.session.delete(source_cart)
    cache.carts[source.id] = None


def _move_decisions(source: Customer, target: Customer) -> None:
    """The source's outreach decisions to the target, except an occurrence the target already has
    decided for the same rule (that one goes with the source)."""
    theirs = aliased(OutreachDecision)
    taken = select(theirs.id).where(theirs.customer_id == target.id, theirs.rule_id == OutreachDecision.rule_id,
                                    theirs.trigger_key == OutreachDecision.trigger_key)
    db.session.execute(update(OutreachDecision).where(OutreachDecision.customer_id == source.id, ~taken.exists())
                       .values(customer_id=target.id))


def _merge_stage_history(source: Customer, target: Customer) -> None:
    """The visitor's stage history joins the customer's where it ends, as one chain: the visitor's
    moves before the customer's first are kept (their journey before they were known), later ones
    are dropped (they were judged on the visitor's facts alone, beside the customer's own), and the
    customer's first move then starts where the visitor's left off. Two interleaved histories would
    show a stage the customer was never in, and the lifecycle report adds the moves up."""
    moves = StageTransition.customer_id
    first = db.session.scalar(select(StageTransition).where(moves == target.id)
                              .order_by(StageTransition.occurred_at, StageTransition.id).limit(1))
    if first is not None:
        db.session.execute(delete(StageTransition).where(moves == source.id,
                                                         StageTransition.occurred_at >= first.occurred_at))
    last = db.session.scalar(select(StageTransition).where(moves == source.id)
                             .order_by(StageTransition.occurred_at.desc(), StageTransition.id.desc()).limit(1))
    db.session.execute(update(StageTransition).where(moves == source.id).values(customer_id=target.id))
    if last is None:
        return
    if first is None:  # not assessed yet: its first assessment goes on from the visitor's stage
        target.stage, target.stage_reason = last.to_stage, source.stage_reason
    elif first.from_stage is None and first.to_stage == last.to_stage:
        db.session.delete(first)
    elif first.from_stage is None:
        first.from_stage = last.to_stage


def merge_into(source: Customer, target: Customer, cache: BatchCache) -> None:
    """Move everything of an anonymous profile into a customer, then delete it."""
    db.session.flush()  # the bulk UPDATEs below must see this batch's new orders and transitions
    # Conversations and outreach decisions too: an anonymous visitor's chat, or the rule that
    # reached them, stays with the customer they turn out to be.
    _merge_stage_history(source, target)
    for model in (CustomerEvent, Order, AnonymousVisitor, Conversation):
        db.session.execute(update(model).where(model.customer_id == source.id).values(customer_id=target.id))
    _move_decisions(source, target)
    _merge_carts(source, target, cache)
    target.first_seen_at = min(source.first_seen_at, target.first_seen_at)
    target.last_seen_at = max(source.last_seen_at, target.last_seen_at)
    target.engaged_at = _earliest(source.engaged_at, target.engaged_at)
    target.signed_up_at = _earliest(source.signed_up_at, target.signed_up_at)
    merge_fields(source, target)
    target.referral_count += source.referral_count
    cache.forget(source)
    cache.merged[source.id] = target.id
    for visitor_row in db.session.scalars(db.select(AnonymousVisitor).where(AnonymousVisitor.customer_id == target.id)):
        cache.by_anonymous[visitor_row.anonymous_id] = target
    db.session.flush()
    db.session.expire(source)
    db.session.execute(db.delete(Customer).where(Customer.id == source.id))
    orders_service.recount(target)
