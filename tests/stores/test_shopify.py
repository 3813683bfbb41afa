"""Shopify deliveries: the signature is checked on the raw body, and an order payload as Shopify
sends it (the Admin API resource, tests/stores/payloads) becomes events the pipeline accepts once."""

from __future__ import annotations

import copy
import json
from pathlib import Path

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


def _by_type(events: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for event in events:
        grouped.setdefault(event["type"], []).append(event)
    return grouped


def test_an_order_becomes_the_customers_identity_and_their_order_in_our_words():
    events = shopify.order_events(ORDER)
    for event in events:
        validate_event(event)  # the events API's own schema accepts them
    kinds = _by_type(events)
    identify, placed = kinds["identify"][0], kinds["order_placed"][0]
    assert identify["customer_id"] == placed["customer_id"] == "115310627314723954"
    assert identify["properties"] == {"email": "jon@example.com", "name": "Jon Snow"}
    assert placed["id"] == "shopify-order-820982911946154508"
    assert placed["properties"]["currency"] == "EUR" and placed["properties"]["total"] == "403.00"
    # a line without a SKU is named by its variant
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in placed["properties"]["items"]] == [
        ("IPOD2008PINK", 1, "199.00"), ("variant-808950811", 1, "199.00")]
    # the cart the order came from is the customer's, and empty from the order on
    assert identify["anonymous_id"] == shopify.cart_key(ORDER["cart_token"])
    assert kinds["cart_updated"][0]["properties"]["items"] == []


def test_an_order_and_its_update_count_once_for_the_customer(any_app):
    first = ingest_events(shopify.order_events(ORDER), source="shopify")
    updated = copy.deepcopy(ORDER) | {"updated_at": "2026-11-20T10:20:00-05:00", "financial_status": "paid"}
    again = ingest_events(shopify.order_events(updated), source="shopify")
    assert first.accepted == len(shopify.order_events(ORDER)) and again.accepted == 0
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == "115310627314723954"))
    assert customer.order_count == 1 and customer.email == "jon@example.com"
    order = db.session.scalar(db.select(Order).where(Order.customer_id == customer.id))
    assert order.external_order_id == "820982911946154508" and str(order.total) == "403.00" and order.currency == "EUR"


def test_a_guest_order_is_keyed_by_its_email():
    kinds = _by_type(shopify.order_events(ORDER | {"customer": None}))
    assert kinds["identify"][0]["customer_id"] == "email:jon@example.com"
    assert kinds["identify"][0]["properties"]["email"] == "jon@example.com"
    assert kinds["order_placed"][0]["customer_id"] == "email:jon@example.com"


def test_a_guest_order_without_an_email_says_nothing():
    assert shopify.order_events(ORDER | {"customer": None, "email": None, "contact_email": None}) == []


def test_a_cancelled_order_is_placed_and_cancelled():
    kinds = _by_type(shopify.order_events(ORDER | {"cancelled_at": "2026-11-20T11:00:00-05:00"}))
    assert kinds["order_cancelled"][0]["properties"]["order_id"] == "820982911946154508"
    assert kinds["order_placed"]


def test_the_refunds_an_order_carries_count_once_each_with_their_money():
    refund = {"id": 509562969, "order_id": ORDER["id"], "created_at": "2026-11-21T09:00:00-05:00",
              "transactions": [{"kind": "refund", "status": "success", "amount": "41.94"},
                               {"kind": "refund", "status": "failure", "amount": "10.00"}]}
    kinds = _by_type(shopify.order_events(ORDER | {"refunds": [refund]}))
    [refunded] = kinds["order_refunded"]
    assert refunded["id"] == "shopify-refund-509562969" and refunded["properties"]["amount"] == "41.94"
    assert shopify.refund_events(refund, "115310627314723954") == [refunded]  # refunds/create: the same event
    assert shopify.refund_events(refund | {"transactions": []}, "1") == []  # a restock only


def test_a_customer_payload_is_their_identity():
    [event] = shopify.customer_events(ORDER["customer"])
    validate_event(event)
    assert event["customer_id"] == "115310627314723954" and event["properties"]["email"] == "jon@example.com"
