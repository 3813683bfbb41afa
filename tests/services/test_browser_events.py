"""Events from the shop's pages: anonymous visitors, verified identities and merges, refusals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from app.extensions import db
from app.models import Cart, Customer, CustomerEvent, Order
from app.services.access import widget_identity
from app.services.shop_events.browser import BrowserEventsSchema, IdentityNotVerifiedError, record_browser_events
from app.services.shop_events.ingestion import ingest_events

_ids = itertools.count(1)
START = datetime.now(UTC) - timedelta(hours=1)
CART = {"items": [{"sku": "TEA-1", "name": "Tea", "quantity": 2, "unit_price": "4.50"}],
        "currency": "EUR", "total": "9.00"}
ORDER = {**CART, "order_id": "A-1001"}


def event(kind: str, properties: dict | None = None, *, minutes: int = 0, id: str | None = None) -> dict:
    when = (START + timedelta(minutes=minutes)).isoformat()
    return {"id": id or f"evt-{next(_ids)}", "type": kind, "timestamp": when, "properties": properties or {}}


def page(url: str = "https://shop.test/", minutes: int = 0) -> dict:
    return event("page_viewed", {"url": url, "title": "Shop"}, minutes=minutes)


def send(events: list[dict], *, anonymous_id: str = "anon-1", customer_id: str | None = None, user_hash=None,
         verified: bool = False):
    """Through the request schema, as the endpoint does."""
    body = {"anonymous_id": anonymous_id, "events": events}
    if customer_id is not None:
        body["customer_id"] = customer_id
        body["user_hash"] = widget_identity.user_hash(customer_id) if verified else user_hash
    if body.get("user_hash") is None:
        body.pop("user_hash", None)
    return record_browser_events(BrowserEventsSchema().load(body))


def stored() -> list[CustomerEvent]:
    return list(db.session.scalars(db.select(CustomerEvent).order_by(CustomerEvent.id)))


def test_anonymous_events_make_an_anonymous_profile(app):
    result = send([page(), event("product_viewed", {"sku": "TEA-1", "name": "Tea"}, minutes=1)])
    assert (result.accepted, result.rejected) == (2, ())
    rows = stored()
    assert {r.source for r in rows} == {"browser"} and {r.anonymous_id for r in rows} == {"anon-1"}
    assert all(r.external_customer_id is None for r in rows)
    customer = db.session.get(Customer, rows[0].customer_id)
    assert customer.external_id is None and customer.stage == "acquisition"


def test_a_verified_identify_merges_the_anonymous_history_into_the_customer(app):
    ingest_events([{**event("signed_up"), "customer_id": "cust-7"}], source="api")  # known from the server
    send([page(minutes=1), event("cart_updated", CART, minutes=2)])
    anonymous = db.session.scalar(db.select(CustomerEvent.customer_id).where(CustomerEvent.type == "cart_updated"))
    result = send([event("identify", {"email": "Ann@Example.com", "name": "Ann"}, minutes=3)],
                  customer_id="cust-7", verified=True)
    assert result.accepted == 1
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == "cust-7"))
    assert customer.email == "ann@example.com"
    assert db.session.get(Customer, anonymous) is None  # merged away
    assert {r.customer_id for r in stored()} == {customer.id}
    assert db.session.get(Cart, customer.id).item_count == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 1


def test_a_verified_visitor_unknown_so_far_becomes_the_customer(app):
    send([page()])
    send([event("identify", {"name": "Bo"}, minutes=1)], customer_id="cust-8", verified=True)
    customers = list(db.session.scalars(db.select(Customer)))
    assert [c.external_id for c in customers] == ["cust-8"]
    assert {r.customer_id for r in stored()} == {customers[0].id}


@pytest.mark.parametrize("user_hash,reason", [
    (None, "needs user_hash"),
    ("", "needs user_hash"),
    ("0" * 64, "does not match"),
    ("abc", "64 lowercase hexadecimal"),
])
def test_a_customer_id_without_a_valid_hash_is_refused_and_nothing_changes(app, user_hash, reason):
    send([page(), event("identify", {"email": "anon@example.com"})])  # what the visitor did so far
    before = [(r.event_id, r.customer_id) for r in stored()]
    visitor = db.session.scalar(db.select(Customer))
    widget_identity.identity_secret()  # a secret exists, so only the hash is at fault
    with pytest.raises(IdentityNotVerifiedError, match=reason) as refused:
        send([event("identify", {"email": "victim@example.com"}), page(minutes=1)],
             customer_id="cust-9", user_hash=user_hash)
    assert refused.value.status == 403 and "Nothing was stored" in refused.value.message
    db.session.expire_all()
    assert [(r.event_id, r.customer_id) for r in stored()] == before
    assert db.session.get(Customer, visitor.id).email == "anon@example.com"
    assert db.session.scalar(db.select(Customer).where(Customer.external_id == "cust-9")) is None


def test_another_customers_hash_is_refused(app):
    with pytest.raises(IdentityNotVerifiedError):
        send([page()], customer_id="cust-1", user_hash=widget_identity.user_hash("cust-2"))
    assert stored() == []


def test_an_unverified_order_is_rejected_and_the_rest_kept(app):
    result = send([page(), event("order_placed", ORDER, minutes=1), event("checkout_started", CART, minutes=1)])
    assert result.accepted == 2
    assert [r.index for r in result.rejected] == [1]
    assert "verified customer" in result.rejected[0].reason["type"][0]
    assert db.session.scalar(db.select(Order)) is None
    assert "order_placed" not in {r.type for r in stored()}


def test_a_verified_customer_may_report_their_order(app):
    send([page()])
    result = send([event("order_placed", ORDER, minutes=1)], customer_id="cust-5", verified=True)
    assert result.accepted == 1 and result.rejected == ()
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == "cust-5"))
    assert customer.stage == "conversion" and customer.order_count == 1


@pytest.mark.parametrize("kind,props", [
    ("order_refunded", {"order_id": "A-1"}),
    ("nps_submitted", {"score": 10}),
    ("referral_made", {}),
    ("review_submitted", {"rating": 5}),
    ("subscribed", {}),
])
def test_server_only_types_are_rejected_even_when_verified(app, kind, props):
    result = send([event(kind, props)], customer_id="cust-5", verified=True)
    assert result.accepted == 0 and result.rejected[0].index == 0
    assert "/api/v1/events" in result.rejected[0].reason["type"][0]


def test_custom_types_are_accepted(app):
    assert send([event("newsletter_popup_closed", {"variant": "b"})]).accepted == 1


def test_rejections_keep_the_positions_of_the_request(app):
    result = send([event("order_refunded", {"order_id": "A-1"}), event("page_viewed", {}), page(), event("Bad Type")])
    assert result.accepted == 1
    assert [r.index for r in result.rejected] == [0, 1, 3]
    assert "url" in result.rejected[1].reason["properties"]


def test_browser_event_ids_cannot_take_a_server_events_id(app):
    send([event("page_viewed", {"url": "https://shop.test/"}, id="order-1001-placed")])
    server = ingest_events([{**event("order_placed", {**ORDER, "order_id": "1001"}, id="order-1001-placed"),
                             "customer_id": "cust-1"}])
    assert server.accepted == 1 and server.duplicates == 0
    assert {r.event_id for r in stored()} == {"web:order-1001-placed", "order-1001-placed"}


def test_a_repeated_browser_batch_is_counted_as_duplicates(app):
    events = [page(), page(minutes=1)]
    send(events)
    again = send(events)
    assert (again.accepted, again.duplicates) == (0, 2)


@pytest.mark.parametrize("body,field", [
    ({"events": [page()]}, "anonymous_id"),
    ({"anonymous_id": "a", "events": []}, "events"),
    ({"anonymous_id": "a", "events": [page()] * 51}, "events"),
    ({"anonymous_id": "a", "events": [{**page(), "customer_id": "cust-1"}]}, "events"),
    ({"anonymous_id": "a", "events": [{**page(), "anonymous_id": "someone-else"}]}, "events"),
    ({"anonymous_id": "a", "events": [page()], "extra": 1}, "extra"),
    ({"anonymous_id": "x" * 129, "events": [page()]}, "anonymous_id"),
])
def test_the_request_shape_is_checked_before_anything_else(app, body, field):
    with pytest.raises(ValidationError) as invalid:
        BrowserEventsSchema().load(body)
    assert field in invalid.value.messages


def test_user_hash_without_customer_id_is_an_error(app):
    from app.services.errors import DomainError

    with pytest.raises(DomainError, match="without customer_id"):
        record_browser_events(BrowserEventsSchema().load({"anonymous_id": "a", "user_hash": "0" * 64,
                                                          "events": [page()]}))
