"""Ingesting customer events from the shop: validate, drop repeats, store, update profiles and
lifecycle, all in one transaction; then tell watching agents. One event costs O(1) work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from marshmallow import ValidationError
from sqlalchemy import bindparam, update
from sqlalchemy.exc import DBAPIError

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import Customer, CustomerEvent
from app.models.base import utcnow
from app.services.customers import lifecycle
from app.services.customers.batch_cache import KNOWN_CARTS, BatchCache
from app.services.customers.event_effects import apply_event
from app.services.customers.lifecycle_rules import LifecycleRules
from app.services.customers.profiles import create_new_profiles, resolve
from app.services.errors import DomainError
from app.services.outreach import engine
from app.services.platform import realtime
from app.services.shop_events.schemas import validate_event

log = logging.getLogger(__name__)

ATTEMPTS = 3
# deadlock_detected, serialization_failure, unique_violation (a concurrent batch created the same
# profile, order or cart first: the next attempt finds it).
RETRY_SQLSTATES = frozenset({"40P01", "40001", "23505", "SQLITE_BUSY", "SQLITE_LOCKED"})


@dataclass(frozen=True)
class Rejection:
    """An event that was not stored: its index in the request and why, by field."""

    index: int
    reason: dict


@dataclass(frozen=True)
class Applied:
    """What a batch changed, for the announcements after its commit."""

    new_ids: frozenset[str]
    customer_ids: frozenset[int]  # touched (surviving ids)
    cart_changed: frozenset[int]
    outreach: tuple = ()  # outreach_engine.Delivery


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    rejected: tuple[Rejection, ...]
    customer_ids: tuple[int, ...] = field(default=())


def _validate(raw_events: list) -> tuple[list[dict], list[Rejection], int]:
    """Valid events (each once, first occurrence kept), rejections, and in-batch repeats."""
    valid, rejected, seen, repeats = [], [], set(), 0
    for index, raw in enumerate(raw_events):
        try:
            event = validate_event(raw)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
            rejected.append(Rejection(index, messages))
            continue
        if event["id"] in seen:
            repeats += 1
            continue
        seen.add(event["id"])
        event["raw_properties"] = raw.get("properties") or {}
        valid.append(event)
    return valid, rejected, repeats


def _store_new(events: list[dict], source: str) -> set[str]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the ids that were new. A retry inserts nothing."""
    if not events:
        return set()
    table = CustomerEvent.__table__
    received = utcnow()
    stmt = insert_ignoring_conflicts(table, ["event_id"]).returning(table.c.event_id)
    # In id order, so that two batches sharing events take the unique index's locks in one order.
    rows = db.session.execute(
        stmt,
        [
            {
                "event_id": e["id"], "type": e["type"], "external_customer_id": e.get("customer_id"),
                "anonymous_id": e.get("anonymous_id"), "occurred_at": e["timestamp"], "received_at": received,
                "source": source, "properties": e["raw_properties"],
            }
            for e in sorted(events, key=lambda e: e["id"])
        ],
    )
    return {row[0] for row in rows}


def ingest_events(raw_events: list, *, source: str = "api",
                  within: Callable[[Applied], None] | None = None, history: bool = False) -> IngestResult:
    """Store and apply a batch of events (the API's use case; the widget's goes through it too).

    Good events are kept even when others in the batch are rejected. The batch is one
    transaction; one that meets a deadlock, a concurrent batch's new row or a still-locked SQLite
    is rolled back and run again whole (up to ATTEMPTS times). Emits `customer_updated` to each
    touched customer's room after the commit. `within(applied)`, if given, runs in the same
    transaction just before the commit (and again if the batch is run again): a caller's own
    record of what it ingested (a store's delivery) commits with the events or not at all.
    `history=True` is for a store's past imported (a backfill): each customer is assessed as of
    each event's time, so their stage history reads as it happened (a first order made them a
    buyer then), and no event-triggered outreach runs (the moment has passed). What time has done
    since is the periodic reassessment's, run at the end of the import.
    """
    valid, rejected, repeats = _validate(raw_events)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            applied = _apply(valid, source, history=history)
            if within is not None:
                within(applied)
            db.session.commit()
            break
        except DBAPIError as exc:
            db.session.rollback()
            if attempt == ATTEMPTS or not _transient(exc):
                raise
            log.info("ingestion retried", extra={"attempt": attempt, "sqlstate": _sqlstate(exc)})
    announce(applied)
    return IngestResult(
        accepted=len(applied.new_ids), duplicates=repeats + len(valid) - len(applied.new_ids),
        rejected=tuple(rejected), customer_ids=tuple(sorted(applied.customer_ids)),
    )


def stage_events(raw_events: list, *, source: str) -> Applied:
    """Store and apply events inside the caller's transaction, for a use case whose own change is
    also a customer event (an NPS answer given in the widget): flushes, never commits, never
    retries. A refused event raises DomainError and nothing is applied. After the caller's commit,
    announce(applied) tells watching agents and delivers the outreach it decided."""
    valid, rejected, _repeats = _validate(raw_events)
    if rejected:
        raise DomainError(f"Event refused: {rejected[0].reason}", field="events")
    applied = _apply(valid, source)
    db.session.flush()
    return applied


def announce(applied: Applied) -> None:
    """After the commit: `customer_updated` to each touched customer's room, then the outreach."""
    for customer_id in sorted(applied.customer_ids):
        realtime.customer_updated(customer_id, cart_changed=customer_id in applied.cart_changed)
    engine.deliver(list(applied.outreach))


def _sqlstate(exc: DBAPIError) -> str | None:
    """PostgreSQL's SQLSTATE, or SQLite's error name (SQLITE_BUSY…)."""
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "sqlite_errorname", None)


def _transient(exc: DBAPIError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), a unique key taken by a concurrent batch,
    or SQLite still locked after busy_timeout: the transaction was rolled back whole, and running
    it again gives the right answer."""
    return _sqlstate(exc) in RETRY_SQLSTATES


def _apply(valid: list[dict], source: str, *, history: bool = False) -> Applied:
    """Store the new events, apply them and run the event-triggered outreach rules, in the open
    transaction (the caller commits). Returns the new event ids, the customers touched (surviving
    ids), those whose cart changed, and the outreach to deliver."""
    new_ids = _store_new(valid, source)
    # Each event carries its source: the order rules tell the shop's server from a shopper's page.
    fresh = [event | {"source": source} for event in valid if event["id"] in new_ids]
    rules, now, cache = lifecycle.current_rules(), utcnow(), BatchCache()
    owners: dict[str, Customer] = {}
    cart_changed, recounted = set(), set()
    # Lookups are answered by the cache, and the helpers flush where a query needs it; an autoflush
    # before every query would cost one UPDATE per event.
    with db.session.no_autoflush:
        cache.prefetch(fresh)
        create_new_profiles(fresh, cache)
        for event in fresh:
            customer = resolve(event.get("customer_id"), event.get("anonymous_id"), event["timestamp"], cache)
            if apply_event(customer, event, cache):
                cart_changed.add(customer.id)
            # The transition carries the event's own time, so imported history reads true.
            lifecycle.reassess(customer, rules, now=min(event["timestamp"], now) if history else now,
                               event_id=event["id"], at=event["timestamp"])
            recounted |= _reassess_recounted(cache, rules, now, event)
            owners[event["id"]] = customer
    # The flush's listeners (tickets' audiences) may ask for a customer's cart: the batch knows
    # which customers have none, which the session's identity map cannot say.
    db.session.info[KNOWN_CARTS] = cache.carts
    try:
        final_ids = set(_link_events(owners, cache)) | {cache.surviving_id(cid) for cid in recounted}
    finally:
        db.session.info.pop(KNOWN_CARTS, None)
    outreach = [] if history else engine.on_events(fresh, lambda event: _survivor(owners[event["id"]], cache),
                                                   cache.cart, now)
    return Applied(frozenset(new_ids), frozenset(final_ids),
                   frozenset(cache.surviving_id(cid) for cid in cart_changed), tuple(outreach))


def _reassess_recounted(cache: BatchCache, rules: LifecycleRules, now: datetime, event: dict) -> set[int]:
    """The customers other than its own whose order facts the event changed (an order taken from a
    page's claim): reassessed with the event as the cause. The move is dated no earlier than their
    last one, so that their history still ends on the stage they are in. Returns their ids."""
    ids = set()
    while cache.recounted:
        customer = db.session.get(Customer, cache.recounted.pop())
        at = max(event["timestamp"], customer.stage_changed_at or event["timestamp"])
        lifecycle.reassess(customer, rules, now=now, event_id=event["id"], at=at)
        ids.add(customer.id)
    return ids


def _survivor(customer: Customer, cache: BatchCache) -> Customer:
    """The profile an event ends on (after a merge in the batch: the surviving one)."""
    return db.session.get(Customer, cache.surviving_id(customer.id))


def _link_events(owners: dict, cache: BatchCache) -> list[int]:
    """Point each new event row at its profile (after merges: at the surviving profile)."""
    table = CustomerEvent.__table__
    params = [{"eid": eid, "cid": cache.surviving_id(customer.id)} for eid, customer in owners.items()]
    if params:
        db.session.execute(
            update(table).where(table.c.event_id == bindparam("eid")).values(customer_id=bindparam("cid")),
            params,
        )
    return [p["cid"] for p in params]
