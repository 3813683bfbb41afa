"""A store's webhook delivery, received: which connection it is for, whether the store signed it,
whether it was taken already, and what it says, fed into the same pipeline as /api/v1/events.

The answers follow what the platforms need: 404 for a store that is not connected, 401 for a bad
signature (nothing stored, counted on the connection), 400 for a body that is not JSON, and 200 for
everything else, unknown topics and repeats included, so that a platform never disables the webhook
(WooCommerce does after five failures) or retries what was taken (Shopify does, for hours).
Work is done before answering, and stays well within Shopify's five seconds: a delivery is one
small batch of events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from app import json_input
from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import Customer, Order, StoreDelivery
from app.models.base import utcnow
from app.services.platform import audit
from app.services.platform.audit import Actor
from app.services.shop_events.ingestion import ingest_events
from app.services.stores import connections, guests, shopify, woocommerce
from app.services.stores.mapping import guest_customer_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    """The answer to a delivery, and the customers (internal ids) the platform asked to erase,
    which the caller erases as an admin's erasure does (services.customer_privacy)."""

    status: int
    body: dict
    erase: tuple[int, ...] = field(default=())
    connection_id: int | None = None


@dataclass(frozen=True)
class Incoming:
    """A delivery in platform-neutral words."""

    topic: str
    shop: str


def store_actor(connection) -> Actor:
    """Who acts when a store's delivery asks for something (an erasure): the store itself."""
    return Actor("store", connection.id, f"{connections.PLATFORM_NAMES[connection.platform]} {connection.shop}")


def _error(status: int, code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def receive(platform: str, raw_body: bytes, headers: Mapping[str, str], content_type: str | None) -> Received:
    """Take one delivery (the use case of POST /webhooks/<platform>). Commits."""
    adapter = _ADAPTERS[platform]
    if adapter.is_ping(raw_body, content_type):
        return Received(200, {"ok": True})
    incoming = adapter.incoming(headers)
    connection = connections.webhook_target(platform, incoming.shop) if incoming.shop else None
    if connection is None:
        return Received(404, _error(404, "not_found", "No store is connected here for this shop."))
    if not adapter.verify(raw_body, headers, connections.secrets(connection).webhook):
        reason = "missing signature" if not adapter.signed(headers) else "signature does not match the secret"
        return _refuse(connection, incoming.topic, 401, "unauthorized", reason)
    try:
        payload = json_input.loads(raw_body, **json_input.limits(current_app.config))
    except json_input.JSONInputError as exc:
        return _refuse(connection, incoming.topic, 400, "invalid_json", f"malformed JSON: {exc}")
    if not isinstance(payload, dict):
        return _refuse(connection, incoming.topic, 400, "invalid_json", "the body is not a JSON object")
    if incoming.topic not in adapter.TOPICS:
        connections.count_delivery(connection.id, "ignored", incoming.topic)
        db.session.commit()
        return Received(200, {"ignored": True, "reason": f"topic {incoming.topic or '(none)'} is not used"},
                        connection_id=connection.id)
    keys = tuple(adapter.keys(headers, payload))
    # A repeat is found by its keys when they are recorded, with its events (which are repeats too);
    # a privacy request is checked first, so that it is not acted on twice.
    if incoming.topic in adapter.PRIVACY_TOPICS and _taken(connection.id, keys):
        connections.count_delivery(connection.id, "duplicate", incoming.topic)
        db.session.commit()
        return Received(200, {"duplicate": True}, connection_id=connection.id)
    return _take(connection, adapter, incoming, keys, payload)


def _refuse(connection, topic: str, status: int, code: str, reason: str) -> Received:
    connections.count_delivery(connection.id, "refused", topic, reason=reason)
    db.session.commit()
    log.info("store webhook refused", extra={"store": connection.id, "topic": topic, "reason": reason})
    return Received(status, _error(status, code, f"Delivery refused: {reason}."), connection_id=connection.id)


def _taken(connection_id: int, keys: tuple[str, ...]) -> bool:
    if not keys:
        return False
    return db.session.scalar(db.select(StoreDelivery.id).where(StoreDelivery.connection_id == connection_id,
                                                              StoreDelivery.key.in_(keys)).limit(1)) is not None


def _take(connection, adapter, incoming: Incoming, keys: tuple[str, ...], payload: dict) -> Received:
    """Apply a new delivery and record its keys and count in the same transaction; a concurrent
    copy that recorded the keys first makes this one a duplicate (its events were repeats too:
    ingestion drops them by id)."""
    outcome = {}

    def record(_applied=None) -> None:
        outcome["kind"] = "accepted" if _record_keys(connection.id, incoming.topic, keys) or not keys else "duplicate"
        connections.count_delivery(connection.id, outcome["kind"], incoming.topic)

    erase: tuple[int, ...] = ()
    body = {"accepted": 0, "duplicates": 0}
    if incoming.topic in adapter.PRIVACY_TOPICS:
        erase = _privacy_request(connection, incoming.topic, payload)
        events = []
    else:
        try:
            events = guests.owned(adapter.events_for(incoming.topic, payload, _order_owner))
            if incoming.topic in adapter.ACCOUNT_TOPICS:  # an account is made here, not on the orders' path
                guests.adopt_accounts(events)
        except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
            # A payload shaped unlike the platform's documentation: kept out, said in Settings › Store,
            # answered 200 (the store would only send it again, or disable the webhook).
            log.warning("store payload not understood", exc_info=True,
                        extra={"store": connection.id, "topic": incoming.topic})
            connections.count_delivery(connection.id, "ignored", incoming.topic,
                                       reason=f"payload not understood ({type(exc).__name__}: {str(exc)[:120]})")
            db.session.commit()
            return Received(200, {"ignored": True, "reason": "payload not understood"}, connection_id=connection.id)
    if events:
        result = ingest_events(events, source=connection.platform, within=record)
        if outcome["kind"] == "duplicate":
            return Received(200, {"duplicate": True}, connection_id=connection.id)
        body = {"accepted": result.accepted, "duplicates": result.duplicates}
        if result.rejected:  # the rest of the delivery was taken; the reason is kept for Settings › Store
            body["refused"] = [r.reason for r in result.rejected]
            connections.note_refusal(connection.id, f"{len(result.rejected)} event(s) refused: "
                                     f"{result.rejected[0].reason}", incoming.topic, utcnow())
            db.session.commit()
    else:
        record()
        db.session.commit()
        if outcome["kind"] == "duplicate":
            return Received(200, {"duplicate": True}, connection_id=connection.id)
    return Received(200, body, erase=erase, connection_id=connection.id)


def _record_keys(connection_id: int, topic: str, keys: tuple[str, ...]) -> bool:
    """Insert the delivery's keys; True when every one was new (a delivery any of whose keys was
    seen, under another delivery id the same change, is a repeat)."""
    keys = tuple(dict.fromkeys(key[:255] for key in keys))
    if not keys:
        return False
    table = StoreDelivery.__table__
    now = utcnow()
    rows = db.session.execute(insert_ignoring_conflicts(table, ["connection_id", "key"]).returning(table.c.key),
                              [{"connection_id": connection_id, "key": key, "topic": topic[:64],
                                "received_at": now} for key in keys])
    return len(list(rows)) == len(keys)


def _order_owner(order_id: str) -> str | None:
    """The shop's id for the customer an order belongs to (refunds name only the order)."""
    if not order_id:
        return None
    return db.session.scalar(db.select(Customer.external_id).join(Order, Order.customer_id == Customer.id)
                             .where(Order.external_order_id == order_id[:128]))


def _privacy_request(connection, topic: str, payload: dict) -> tuple[int, ...]:
    """Shopify's privacy topics. customers/redact: the customer (and their guest profile) to erase.
    customers/data_request: written to the audit log for an admin to export from the customer's
    page. shop/redact: written to the audit log; the shop's own helpdesk keeps its customers."""
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    external = [str(customer["id"])] if customer.get("id") else []
    address = customer.get("email")
    if isinstance(address, str) and address.strip():
        external.append(guest_customer_id(address))
    ids = tuple(db.session.scalars(db.select(Customer.id).where(Customer.external_id.in_(external),
                                                                 Customer.erased_at.is_(None))))
    audit.record(f"store.{topic.replace('/', '_')}", actor=store_actor(connection),
                 target=connections.get(connection.id),
                 details={"customer_ids": list(ids), "shop": payload.get("shop_domain")})
    return ids if topic == "customers/redact" else ()


class _Shopify:
    """Shopify's webhooks in the receiver's words."""

    TOPICS = shopify.TOPICS
    PRIVACY_TOPICS = shopify.PRIVACY_TOPICS
    ACCOUNT_TOPICS = frozenset({"customers/create", "customers/update"})

    @staticmethod
    def is_ping(_raw_body: bytes, _content_type: str | None) -> bool:
        return False

    @staticmethod
    def incoming(headers: Mapping[str, str]) -> Incoming:
        delivery = shopify.delivery(headers)
        return Incoming(delivery.topic, delivery.shop_domain)

    @staticmethod
    def signed(headers: Mapping[str, str]) -> bool:
        return bool((headers.get(shopify.SIGNATURE_HEADER) or "").strip())

    verify = staticmethod(shopify.verify)

    @staticmethod
    def keys(headers: Mapping[str, str], _payload: dict) -> list[str]:
        """Shopify retries a delivery under the same webhook id."""
        delivery_id = shopify.delivery(headers).delivery_id
        return [f"webhook:{delivery_id}"] if delivery_id else []

    events_for = staticmethod(shopify.events_for)


class _WooCommerce:
    """WooCommerce's webhooks in the receiver's words."""

    TOPICS = woocommerce.TOPICS
    PRIVACY_TOPICS = frozenset()
    ACCOUNT_TOPICS = frozenset({"customer.created", "customer.updated"})

    is_ping = staticmethod(woocommerce.is_ping)

    @staticmethod
    def incoming(headers: Mapping[str, str]) -> Incoming:
        delivery = woocommerce.delivery(headers)
        return Incoming(delivery.topic, delivery.source)

    @staticmethod
    def signed(headers: Mapping[str, str]) -> bool:
        return bool((headers.get(woocommerce.SIGNATURE_HEADER) or "").strip())

    verify = staticmethod(woocommerce.verify)

    @staticmethod
    def keys(headers: Mapping[str, str], payload: dict) -> list[str]:
        """WooCommerce never retries, but may send one change twice: keyed by delivery and by change
        (both with a digest of the body)."""
        return woocommerce.dedupe_keys(woocommerce.delivery(headers), payload)

    @staticmethod
    def events_for(topic: str, payload: dict, order_owner) -> list[dict]:
        if topic in ("order.created", "order.updated"):
            return woocommerce.order_events(payload)
        if topic in ("customer.created", "customer.updated"):
            return woocommerce.customer_events(payload)
        resource = topic.partition(".")[0]
        return woocommerce.deleted_events(resource, payload, customer_id=order_owner(str(payload.get("id") or "")))


_ADAPTERS = {"shopify": _Shopify, "woocommerce": _WooCommerce}


KEEP_DELIVERIES = timedelta(days=7)


def prune_deliveries(now=None) -> dict:
    """Periodic job: forget deliveries older than a week (the platforms retry for hours, never
    days; the connection's counters keep the totals). Returns {"deleted": n}."""
    cutoff = (now or utcnow()) - KEEP_DELIVERIES
    deleted = db.session.execute(delete(StoreDelivery).where(StoreDelivery.received_at < cutoff)).rowcount
    db.session.commit()
    return {"deleted": deleted}
