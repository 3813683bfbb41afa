"""Ingesting customer events: idempotency, ordering, merges, orders and the lifecycle they drive."""

from decimal import Decimal

import pytest

from app.extensions import db
from app.models import AnonymousVisitor, Cart, Customer, CustomerEvent, Order, StageTransition
from app.services.shop_events.ingestion import ingest_events
from tests.factories import at, cart, event, items, order


def customer(external_id: str) -> Customer:
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_repeated_event_is_a_no_op(any_app):
    first = event("signed_up", customer="c1", event_id="e-1")
    assert ingest_events([first]).accepted == 1
    again = ingest_events([first, dict(first)])
    assert (again.accepted, again.duplicates) == (0, 2)
    assert count(CustomerEvent) == 1 and count(StageTransition) == 1


def test_good_events_of_a_batch_are_kept_and_bad_ones_explained(any_app):
    result = ingest_events([
        event("identify", {"email": "ann@example.com"}, customer="c1"),
        {"id": "x", "type": "identify"},
        event("cart_updated", {"items": "nope"}, customer="c1"),
        "not an object",
        event("page_viewed", {"url": "javascript:alert(1)"}, anonymous="a1"),
    ])
    assert result.accepted == 1
    assert [r.index for r in result.rejected] == [1, 2, 3, 4]
    assert "timestamp" in result.rejected[0].reason
    assert "items" in result.rejected[1].reason["properties"]
    assert "url" in result.rejected[3].reason["properties"]
    assert count(CustomerEvent) == 1


def test_an_older_cart_never_replaces_a_newer_one(any_app):
    newer = event("cart_updated", cart(items(("A", 2, "10.00")), "20.00"), when=at(10), customer="c1")
    older = event("cart_updated", cart(items(("B", 1, "5.00")), "5.00"), when=at(5), customer="c1")
    ingest_events([newer])
    ingest_events([older])
    stored = db.session.get(Cart, customer("c1").id)
    assert stored.items[0]["sku"] == "A" and stored.total == Decimal("20.00") and stored.item_count == 2


def test_an_order_placed_twice_is_one_order(any_app):
    placed = order("o-1", items(("A", 1, "30.00")), "30.00")
    ingest_events([event("order_placed", placed, customer="c1")])
    ingest_events([event("order_placed", placed, customer="c1")])  # a new event id, the same order
    c = customer("c1")
    assert count(Order) == 1 and c.order_count == 1 and c.lifetime_value == Decimal("30.00")
    assert c.stage == "conversion"


def test_a_refund_before_its_order_still_leaves_the_order_refunded(any_app):
    ingest_events([event("order_refunded", {"order_id": "o-1"}, when=at(20), customer="c1")])
    ingest_events([event("order_placed", order("o-1", items(("A", 1, "30.00")), "30.00"), when=at(0),
                         customer="c1")])
    c = customer("c1")
    assert c.order_count == 0 and c.lifetime_value == 0 and c.stage == "acquisition"


def test_a_refund_takes_the_order_out_of_the_facts(any_app):
    ingest_events([
        event("order_placed", order("o-1", items(("A", 1, "30.00")), "30.00"), when=at(0), customer="c1"),
        event("order_placed", order("o-2", items(("B", 1, "20.00")), "20.00"), when=at(60), customer="c1"),
    ])
    assert customer("c1").stage == "retention"
    ingest_events([event("order_refunded", {"order_id": "o-2"}, when=at(90), customer="c1")])
    c = customer("c1")
    assert (c.order_count, c.lifetime_value, c.stage) == (1, Decimal("30.00"), "conversion")


def test_identify_merges_the_anonymous_history_into_the_customer(any_app):
    ingest_events([
        event("page_viewed", {"url": "https://shop.test/?utm_source=ads", "utm_source": "ads"}, when=at(0),
              anonymous="anon-1"),
        event("cart_updated", cart(items(("A", 1, "10.00")), "10.00"), when=at(1), anonymous="anon-1"),
    ])
    ingest_events([event("identify", {"email": "Bo@Example.com", "name": "Bo"}, when=at(-600), customer="c9")])
    assert count(Customer) == 2
    ingest_events([event("identify", {"email": "bo@example.com"}, when=at(2), customer="c9", anonymous="anon-1")])
    assert count(Customer) == 1
    c = customer("c9")
    assert {e.customer_id for e in db.session.scalars(db.select(CustomerEvent))} == {c.id}
    assert db.session.get(Cart, c.id).items[0]["sku"] == "A"
    assert c.lead_source["utm_source"] == "ads" and c.first_seen_at.isoformat() == at(-600)
    assert db.session.scalar(db.select(AnonymousVisitor.customer_id)) == c.id
    assert c.email == "bo@example.com" and c.name == "Bo"


def _chain(customer_id: int) -> list[tuple]:
    moves = db.session.scalars(db.select(StageTransition).where(StageTransition.customer_id == customer_id)
                               .order_by(StageTransition.occurred_at, StageTransition.id)).all()
    return [(t.from_stage, t.to_stage) for t in moves]


def test_a_merge_keeps_one_stage_history(any_app):
    """The visitor's moves after the customer's first are dropped; earlier ones lead into it."""
    ingest_events([event("identify", {"email": "g@example.com"}, when=at(-600), customer="c7")])
    ingest_events([event("page_viewed", {"url": "https://shop.test/"}, when=at(0), anonymous="anon-7")])
    ingest_events([event("identify", {"email": "g@example.com"}, when=at(2), customer="c7", anonymous="anon-7")])
    assert _chain(customer("c7").id) == [(None, "acquisition")]  # not a later "reach" beside it

    ingest_events([event("page_viewed", {"url": "https://shop.test/"}, when=at(-900), anonymous="anon-8")])
    ingest_events([event("identify", {"email": "h@example.com"}, when=at(-600), customer="c8")])
    ingest_events([event("identify", {"email": "h@example.com"}, when=at(2), customer="c8", anonymous="anon-8")])
    assert _chain(customer("c8").id) == [(None, "reach"), ("reach", "acquisition")]


def test_an_anonymous_profile_is_adopted_when_the_customer_is_new(any_app):
    ingest_events([event("product_viewed", {"sku": "A"}, anonymous="anon-2")])
    ingest_events([event("identify", {"email": "cy@example.com"}, customer="c2", anonymous="anon-2")])
    assert count(Customer) == 1 and customer("c2").engaged_at is not None


def test_later_anonymous_events_reach_the_merged_customer(any_app):
    ingest_events([event("identify", {"email": "d@example.com"}, customer="c3", anonymous="anon-3")])
    ingest_events([event("cart_updated", cart(items(("Z", 3, "1.00")), "3.00"), anonymous="anon-3")])
    assert count(Customer) == 1 and db.session.get(Cart, customer("c3").id).item_count == 3


def test_stage_moves_are_recorded_with_their_cause(any_app):
    ingest_events([event("page_viewed", {"url": "https://shop.test/"}, anonymous="a", event_id="v1")])
    ingest_events([event("identify", {"email": "e@example.com"}, customer="c4", anonymous="a", event_id="i1")])
    ingest_events([event("order_placed", order("o-9", items(("A", 1, "9.00")), "9.00"), customer="c4",
                         event_id="o1")])
    transitions = db.session.scalars(db.select(StageTransition).order_by(StageTransition.id)).all()
    assert [(t.from_stage, t.to_stage, t.event_id) for t in transitions] == [
        (None, "reach", "v1"), ("reach", "acquisition", "i1"), ("acquisition", "conversion", "o1"),
    ]


def test_identify_keeps_the_newest_profile_values(any_app):
    ingest_events([event("identify", {"name": "New", "traits": {"plan": "gold"}}, when=at(10), customer="c5")])
    ingest_events([event("identify", {"name": "Old", "phone": "+31 6", "traits": {"plan": "free", "tz": "CET"}},
                         when=at(0), customer="c5")])
    c = customer("c5")
    assert c.name == "New" and c.phone == "+31 6" and c.traits == {"plan": "gold", "tz": "CET"}


@pytest.mark.parametrize("kind,props", [
    ("review_submitted", {"rating": 5}),
    ("referral_made", {"referred_email": "f@example.com"}),
    ("nps_submitted", {"score": 10}),
    ("subscribed", {}),
    ("wishlist_added", {"anything": ["goes", 1]}),
])
def test_other_types_are_stored(any_app, kind, props):
    assert ingest_events([event(kind, props, customer="c6")]).accepted == 1
    assert db.session.scalar(db.select(CustomerEvent.type)) == kind


def test_transitions_are_dated_by_the_events_that_caused_them(any_app):
    ingest_events([
        event("identify", {"email": "h@example.com"}, when=at(0), customer="c7", event_id="id-7"),
        event("order_placed", order("o-7", items(("A", 1, "9.00")), "9.00"), when=at(5), customer="c7",
              event_id="ord-7"),
    ])
    dates = {t.event_id: t.occurred_at.isoformat() for t in db.session.scalars(db.select(StageTransition))}
    assert dates == {"id-7": at(0), "ord-7": at(5)}
    assert customer("c7").stage_changed_at.isoformat() == at(5)
