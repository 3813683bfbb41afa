"""Ingesting customer events from the shop: validate, drop repeats, store, update profiles and
lifecycle, all in one transaction; then tell watching agents. One event costs O(1) work."""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import bindparam, update

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import CustomerEvent
from app.models.base import utcnow
from app.services import lifecycle, realtime
from app.services.event_effects import apply_event
from app.services.event_schemas import validate_event
from app.services.profiles import ProfileCache, resolve


@dataclass(frozen=True)
class Rejection:
    """An event that was not stored: its index in the request and why, by field."""

    index: int
    reason: dict


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
    rows = db.session.execute(
        stmt,
        [
            {
                "event_id": e["id"], "type": e["type"], "external_customer_id": e.get("customer_id"),
                "anonymous_id": e.get("anonymous_id"), "occurred_at": e["timestamp"], "received_at": received,
                "source": source, "properties": e["raw_properties"],
            }
            for e in events
        ],
    )
    return {row[0] for row in rows}


def ingest_events(raw_events: list, *, source: str = "api") -> IngestResult:
    """Store and apply a batch of events (the API's use case; the widget's goes through it too).

    Good events are kept even when others in the batch are rejected. Emits `customer_updated`
    to each touched customer's room after the commit.
    """
    valid, rejected, repeats = _validate(raw_events)
    new_ids = _store_new(valid, source)
    rules, now, cache = lifecycle.current_rules(), utcnow(), ProfileCache()
    owners: dict[str, object] = {}
    touched, cart_changed = {}, set()
    for event in valid:
        if event["id"] not in new_ids:
            continue
        customer = resolve(event.get("customer_id"), event.get("anonymous_id"), event["timestamp"], cache)
        if apply_event(customer, event):
            cart_changed.add(customer.id)
        lifecycle.reassess(customer, rules, now=now, event_id=event["id"])
        owners[event["id"]] = customer
        touched[customer.id] = customer
    final_ids = _link_events(owners, cache)
    db.session.commit()
    for customer_id in sorted(set(final_ids) & set(touched)):
        realtime.customer_updated(customer_id, cart_changed=customer_id in cart_changed)
    return IngestResult(
        accepted=len(new_ids), duplicates=repeats + len(valid) - len(new_ids),
        rejected=tuple(rejected), customer_ids=tuple(sorted(set(final_ids))),
    )


def _link_events(owners: dict, cache: ProfileCache) -> list[int]:
    """Point each new event row at its profile (after merges: at the surviving profile)."""
    table = CustomerEvent.__table__
    params = [{"eid": eid, "cid": cache.surviving_id(customer.id)} for eid, customer in owners.items()]
    if params:
        db.session.execute(
            update(table).where(table.c.event_id == bindparam("eid")).values(customer_id=bindparam("cid")),
            params,
        )
    return [p["cid"] for p in params]
