"""Partial refunds and cancellations (the shop's server, and the store connectors through it): an
order refunded in part counts for what was kept, refunds that reach the total or a cancellation
take it out of the customer's facts, each refund counts once, and either may arrive first."""

from decimal import Decimal

from app.extensions import db
from app.models import Customer, Order
from app.services.access import api_keys
from app.services.platform.audit import CLI
from app.services.shop_events.ingestion import ingest_events
from tests.factories import at, event, items, order


def customer(external_id: str) -> Customer:
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def stored(order_id: str) -> Order:
    return db.session.scalar(db.select(Order).where(Order.external_order_id == order_id))


def placed(order_id: str, total: str, minutes_ago: float, customer_id: str = "c1") -> dict:
    return event("order_placed", order(order_id, items(("A", 1, total)), total), when=at(minutes_ago),
                 customer=customer_id)


def refund(order_id: str, amount: str | None, minutes_ago: float, event_id: str | None = None) -> dict:
    props = {"order_id": order_id} | ({"amount": amount} if amount is not None else {})
    return event("order_refunded", props, when=at(minutes_ago), customer="c1", event_id=event_id)


def test_a_partial_refund_lowers_lifetime_value_and_shows_on_the_order(any_app):
    ingest_events([placed("o-1", "80.00", 60)])
    ingest_events([refund("o-1", "15.50", 30, "r-1")])
    c, o = customer("c1"), stored("o-1")
    assert (c.order_count, c.lifetime_value, c.stage) == (1, Decimal("64.50"), "conversion")
    assert o.refunded_amount == Decimal("15.50") and o.refunded_at is None and o.counts


def test_each_refund_counts_once_and_refunds_reaching_the_total_refund_the_order(any_app):
    ingest_events([placed("o-1", "80.00", 60)])
    first = refund("o-1", "30.00", 30, "r-1")
    ingest_events([first])
    ingest_events([first])  # Shopify's retry of the same refund
    assert customer("c1").lifetime_value == Decimal("50.00")
    ingest_events([refund("o-1", "50.00", 20, "r-2")])
    c, o = customer("c1"), stored("o-1")
    assert o.refunded_at is not None and not o.counts
    assert (c.order_count, c.lifetime_value, c.stage) == (0, Decimal("0"), "acquisition")


def test_a_partial_refund_before_its_order_is_kept_for_it(any_app):
    ingest_events([refund("o-1", "20.00", 30, "r-1")])
    ingest_events([placed("o-1", "80.00", 60)])
    assert customer("c1").lifetime_value == Decimal("60.00")
    assert stored("o-1").refunded_amount == Decimal("20.00")


def test_a_cancelled_order_leaves_the_order_count_and_lifetime_value(any_app):
    ingest_events([placed("o-1", "30.00", 120), placed("o-2", "20.00", 60)])
    assert customer("c1").stage == "retention"
    ingest_events([event("order_cancelled", {"order_id": "o-2"}, when=at(30), customer="c1")])
    c = customer("c1")
    assert (c.order_count, c.lifetime_value, c.stage) == (1, Decimal("30.00"), "conversion")
    assert stored("o-2").cancelled_at is not None


def test_a_cancellation_before_its_order_leaves_the_order_out(any_app):
    ingest_events([event("order_cancelled", {"order_id": "o-1"}, when=at(10), customer="c1")])
    ingest_events([placed("o-1", "30.00", 20)])
    c = customer("c1")
    assert (c.order_count, c.lifetime_value) == (0, Decimal("0"))


def test_a_page_cannot_cancel_an_order(any_app):
    ingest_events([placed("o-1", "30.00", 20)])
    ingest_events([event("order_cancelled", {"order_id": "o-1"}, when=at(10), customer="c1")], source="browser")
    assert stored("o-1").cancelled_at is None and customer("c1").order_count == 1


def test_the_profile_document_shows_refunds_and_cancellations(client):
    ingest_events([placed("o-1", "80.00", 60), placed("o-2", "10.00", 50)])
    ingest_events([refund("o-1", "15.50", 30, "r-1"),
                   event("order_cancelled", {"order_id": "o-2"}, when=at(20), customer="c1")])
    key = api_keys.create_api_key("Shop server", by=CLI)
    response = client.get("/api/v1/customers/c1", headers={"Authorization": f"Bearer {key.secret}"})
    orders = {o["order_id"]: o for o in response.get_json()["orders"]}
    assert orders["o-1"]["refunded_amount"] == "15.50" and orders["o-1"]["cancelled_at"] is None
    assert orders["o-2"]["cancelled_at"] is not None
