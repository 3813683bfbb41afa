"""POST /webhooks/woocommerce: WooCommerce's deliveries as it sends them (signed raw body, its
headers, the unsigned activation ping), taken once, matched by site, and seen in the profile."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Customer, Order, StoreConnection
from app.services.platform.audit import CLI
from app.services.stores import connections, woocommerce

PAYLOADS = Path(__file__).parent / "payloads"
ORDER = json.loads((PAYLOADS / "woocommerce_order.json").read_text())
GUEST_ORDER = json.loads((PAYLOADS / "woocommerce_guest_order.json").read_text())
SITE = "https://example.com"
SECRET = "wc-webhook-secret-5b1c0f0e2d"


@pytest.fixture
def store(any_app):
    return connections.connect("woocommerce", shop=SITE, webhook_secret=SECRET, by=CLI)


@pytest.fixture
def deliver(any_app):
    client = any_app.test_client()
    counter = iter(range(1, 10**6))

    def post(topic: str, payload, *, secret: str = SECRET, source: str = SITE + "/", delivery_id: str | None = None):
        raw = json.dumps(payload).encode()
        resource, _, event = topic.partition(".")
        headers = {"X-WC-Webhook-Source": source, "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource,
                   "X-WC-Webhook-Event": event, "X-WC-Webhook-ID": "12",
                   "X-WC-Webhook-Delivery-ID": delivery_id or f"d{next(counter):031d}",
                   "X-WC-Webhook-Signature": woocommerce.signature(raw, secret),
                   "User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)"}
        return client.post("/webhooks/woocommerce", data=raw, headers=headers, content_type="application/json")

    return post


def customer(external_id: str) -> Customer | None:
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def test_the_activation_ping_is_answered_200(store, any_app):
    response = any_app.test_client().post("/webhooks/woocommerce", data="webhook_id=12",
                                          content_type="application/x-www-form-urlencoded",
                                          headers={"X-WC-Webhook-Source": SITE + "/"})
    assert response.status_code == 200


def test_an_order_delivered_becomes_the_customers_order(store, deliver):
    assert deliver("order.created", ORDER).status_code == 200
    c = customer(str(ORDER["customer_id"]))
    assert c.order_count == 1 and c.lifetime_value == Decimal("50.40")  # 69.40 less two refunds


def test_created_and_updated_for_one_save_count_once(store, deliver):
    deliver("order.created", ORDER)
    again = deliver("order.updated", ORDER)
    assert again.status_code == 200 and again.get_json() == {"duplicate": True}
    db.session.expire_all()
    assert db.session.get(StoreConnection, store.id).duplicate_count == 1


def test_a_guest_order_is_found_by_its_billing_email(store, deliver):
    deliver("order.created", GUEST_ORDER)
    guest = customer("email:john.doe@example.com")
    assert guest is not None and guest.order_count == 1 and guest.verified_email == "john.doe@example.com"


def test_a_deleted_order_is_cancelled_for_its_customer(store, deliver):
    deliver("order.created", ORDER)
    assert deliver("order.deleted", {"id": ORDER["id"]}).status_code == 200
    order = db.session.scalar(db.select(Order).where(Order.external_order_id == str(ORDER["id"])))
    assert order.cancelled_at is not None and customer(str(ORDER["customer_id"])).order_count == 0


def test_a_bad_signature_is_refused_and_an_unknown_site_is_not_found(store, deliver):
    assert deliver("order.created", ORDER, secret="wrong").status_code == 401
    assert deliver("order.created", ORDER, source="https://other.example/").status_code == 404
    assert customer(str(ORDER["customer_id"])) is None


def test_an_unknown_topic_is_answered_200_so_woocommerce_keeps_the_webhook(store, deliver):
    response = deliver("product.updated", {"id": 1, "name": "Album"})
    assert response.status_code == 200 and response.get_json()["ignored"] is True
