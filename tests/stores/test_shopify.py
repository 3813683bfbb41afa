"""Shopify deliveries: the signature is checked on the raw body, and an order payload as Shopify
sends it (the Admin API resource, tests/stores/payloads) becomes events the pipeline accepts once."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Customer, Order
from app.services.shop_events.ingestion import ingest_events
from app.services.shop_events.schemas import validate_event
from app.services.stores import shopify

ORDER = json.loads((Path(__file__).parent / "payloads" / "shopify_order.json").read_text())
SECRET = "shpss_5b1c0f0e2d"


def _headers(body: bytes, secret: str = SECRET, **extra) -> dict:
    return {"X-Shopify-Hmac-Sha256": shopify.signature(body, secret), "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": "tea-and-things.myshopify.com", "X-Shopify-Webhook-Id": "b54557e4-bdd9",
            **extra}


def test_a_delivery_signed_with_the_secret_is_shopifys_and_any_change_to_its_body_is_not():
    body = json.dumps(ORDER).encode()
    headers = _headers(body)
    assert shopify.verify(body, headers, (SECRET,))
    assert not shopify.verify(body + b" ", headers, (SECRET,))
    assert not shopify.verify(body, headers, ("another-secret",))
    assert not shopify.verify(body, {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}, (SECRET,))
    assert not shopify.verify(body, headers, ("",))


def test_the_previous_secret_still_verifies_while_a_rotation_applies():
    body = "Café ☕".encode()
    assert shopify.verify(body, _headers(body, "old-secret"), (SECRET, "old-secret"))


def test_the_delivery_names_its_topic_shop_and_id():
    headers = _headers(b"{}", **{"X-Shopify-Topic": "Orders/Create", "X-Shopify-Shop-Domain": "Tea.myshopify.com"})
    assert shopify.delivery(headers) == shopify.Delivery("orders/create", "tea.myshopify.com", "b54557e4-bdd9")


def test_an_order_becomes_the_customers_identity_and_their_order_in_our_words():
    identify, placed = shopify.order_events(ORDER)
    for event in (identify, placed):
        validate_event(event)  # the events API's own schema accepts them
    assert identify["customer_id"] == placed["customer_id"] == "115310627314723954"
    assert identify["properties"] == {"email": "jon@example.com", "name": "Jon Snow"}
    assert placed["id"] == "shopify-order-820982911946154508"
    assert placed["properties"]["currency"] == "EUR" and placed["properties"]["total"] == "403.00"
    # a line without a SKU is named by its variant
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in placed["properties"]["items"]] == [
        ("IPOD2008PINK", 1, "199.00"), ("variant-808950811", 1, "199.00")]


def test_an_order_and_its_update_count_once_for_the_customer(any_app):
    first = ingest_events(shopify.order_events(ORDER), source="api")
    updated = copy.deepcopy(ORDER) | {"updated_at": "2026-11-20T10:20:00-05:00", "financial_status": "paid"}
    again = ingest_events(shopify.order_events(updated), source="api")
    assert (first.accepted, again.accepted, again.duplicates) == (2, 0, 2)
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == "115310627314723954"))
    assert customer.order_count == 1 and customer.email == "jon@example.com"
    order = db.session.scalar(db.select(Order).where(Order.customer_id == customer.id))
    assert order.external_order_id == "820982911946154508" and str(order.total) == "403.00" and order.currency == "EUR"


@pytest.mark.parametrize("change", [
    {"customer": None},  # a guest checkout: found by email, a later slice
    {"cancelled_at": "2026-11-20T11:00:00-05:00"},  # the pipeline has no cancellation yet
])
def test_orders_this_slice_does_not_count_yet_place_no_order(change):
    events = shopify.order_events(ORDER | change)
    assert all(event["type"] == "identify" for event in events)


def test_a_customer_payload_is_their_identity():
    [event] = shopify.customer_events(ORDER["customer"])
    validate_event(event)
    assert event["customer_id"] == "115310627314723954" and event["properties"]["email"] == "jon@example.com"
