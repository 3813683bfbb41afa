"""POST /webhooks/shopify: Shopify's deliveries as it sends them (the raw body signed with the
store's secret, its headers), taken once, counted on the connection, and seen in the profile."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, Order, StoreConnection
from app.services.platform.audit import CLI
from app.services.stores import connections, shopify

PAYLOADS = Path(__file__).parent / "payloads"
ORDER = json.loads((PAYLOADS / "shopify_order.json").read_text())
SHOP = "tea-and-things.myshopify.com"
SECRET = "shpss_5b1c0f0e2d9a8b7c"
CUSTOMER_ID = str(ORDER["customer"]["id"])


@pytest.fixture
def store(any_app):
    return connections.connect("shopify", shop=SHOP, webhook_secret=SECRET, by=CLI)


@pytest.fixture
def deliver(any_app):
    client = any_app.test_client()
    counter = iter(range(1, 10**6))

    def post(topic: str, payload, *, secret: str = SECRET, webhook_id: str | None = None, shop: str = SHOP,
             body: bytes | None = None, signature: str | None = None):
        raw = body if body is not None else json.dumps(payload).encode()
        headers = {"X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": shop,
                   "X-Shopify-Webhook-Id": webhook_id or f"wh-{next(counter)}",
                   "X-Shopify-API-Version": "2025-10", "X-Shopify-Triggered-At": "2026-11-20T15:15:31Z",
                   "X-Shopify-Hmac-Sha256": signature if signature is not None else shopify.signature(raw, secret)}
        return client.post("/webhooks/shopify", data=raw, headers=headers, content_type="application/json")

    return post


def customer(external_id: str = CUSTOMER_ID) -> Customer | None:
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def health(store: StoreConnection) -> tuple[int, int, int, int]:
    db.session.expire_all()
    row = db.session.get(StoreConnection, store.id)
    return row.accepted_count, row.duplicate_count, row.refused_count, row.ignored_count


def test_an_order_delivered_becomes_the_customers_order_and_stage(store, deliver):
    response = deliver("orders/create", ORDER)
    assert response.status_code == 200, response.get_data(as_text=True)
    c = customer()
    assert (c.order_count, c.lifetime_value, c.stage) == (1, Decimal("403.00"), "conversion")
    assert c.verified_email == "jon@example.com"  # the store's word verifies the address
    assert health(store) == (1, 0, 0, 0)


def test_a_retried_delivery_and_the_update_after_create_change_nothing_twice(store, deliver):
    assert deliver("orders/create", ORDER, webhook_id="wh-a").status_code == 200
    retry = deliver("orders/create", ORDER, webhook_id="wh-a")
    assert retry.status_code == 200 and retry.get_json() == {"duplicate": True}
    updated = copy.deepcopy(ORDER) | {"updated_at": "2026-11-20T10:20:00-05:00"}
    assert deliver("orders/updated", updated, webhook_id="wh-b").status_code == 200
    assert customer().order_count == 1 and db.session.scalar(db.select(db.func.count(Order.id))) == 1
    assert health(store) == (2, 1, 0, 0)


def test_a_bad_signature_is_refused_stores_nothing_and_is_counted(store, deliver):
    forged = deliver("orders/create", ORDER, secret="not-the-secret")
    missing = deliver("orders/create", ORDER, signature="")
    assert forged.status_code == missing.status_code == 401
    assert "signature" in forged.get_json()["error"]["message"]
    assert customer() is None and health(store) == (0, 0, 2, 0)
    reasons = [r["reason"] for r in db.session.get(StoreConnection, store.id).last_refusals]
    assert reasons == ["missing signature", "signature does not match the secret"]


def test_a_shop_that_is_not_connected_is_not_found(store, deliver):
    assert deliver("orders/create", ORDER, shop="someone-else.myshopify.com").status_code == 404
    assert customer() is None


def test_an_unknown_topic_is_answered_and_counted_so_shopify_keeps_the_webhook(store, deliver):
    response = deliver("inventory_levels/update", {"inventory_item_id": 1})
    assert response.status_code == 200 and response.get_json()["ignored"] is True
    assert health(store) == (0, 0, 0, 1)


def test_malformed_json_is_a_400_and_stores_nothing(store, deliver):
    response = deliver("orders/create", None, body=b'{"id": 1, "customer": ')
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"
    assert health(store)[2] == 1


def test_a_rotated_secret_still_verifies_for_its_hour(store, deliver):
    connections.connect("shopify", shop=SHOP, webhook_secret="shpss_new_secret_42", by=CLI)
    assert deliver("customers/create", ORDER["customer"], secret=SECRET).status_code == 200
    assert deliver("customers/update", ORDER["customer"], secret="shpss_new_secret_42").status_code == 200


def test_a_refund_lowers_lifetime_value_and_a_refund_for_an_unknown_order_changes_nothing(store, deliver):
    deliver("orders/create", ORDER)
    refund = {"id": 509562969, "order_id": ORDER["id"], "created_at": "2026-11-21T09:00:00-05:00",
              "note": "damaged", "refund_line_items": [],
              "transactions": [{"id": 1, "kind": "refund", "status": "success", "amount": "41.94"}]}
    assert deliver("refunds/create", refund).status_code == 200
    assert customer().lifetime_value == Decimal("361.06")
    unknown = deliver("refunds/create", refund | {"id": 1, "order_id": 999})
    assert unknown.status_code == 200 and unknown.get_json()["accepted"] == 0


def test_a_cancelled_order_leaves_lifetime_value(store, deliver):
    deliver("orders/create", ORDER)
    deliver("orders/cancelled", ORDER | {"cancelled_at": "2026-11-20T12:00:00-05:00", "cancel_reason": "customer"})
    c = customer()
    assert (c.order_count, c.lifetime_value) == (0, Decimal("0"))


def test_a_guest_order_is_found_by_its_email(store, deliver):
    deliver("orders/create", ORDER | {"customer": None, "id": 1234})
    guest = customer("email:jon@example.com")
    assert guest.order_count == 1 and guest.verified_email == "jon@example.com"


def test_a_guest_order_goes_to_the_shop_customer_who_owns_the_address(store, deliver):
    deliver("customers/create", ORDER["customer"])
    deliver("orders/create", ORDER | {"customer": None, "id": 1234})
    assert customer().order_count == 1 and customer("email:jon@example.com") is None


def test_a_cart_joins_its_customer_through_the_checkout_token(store, deliver):
    cart = {"id": "c1-77", "token": "c1-77", "updated_at": "2026-11-20T09:00:00-05:00",
            "created_at": "2026-11-20T08:59:00-05:00",
            "line_items": [{"id": 1, "sku": "TEA-1", "title": "Sencha", "quantity": 2, "price": "12.00",
                            "variant_id": 5, "product_id": 6}]}
    deliver("carts/update", cart)
    checkout = {"id": 42, "token": "chk-42", "cart_token": "c1-77", "email": "jon@example.com",
                "customer": ORDER["customer"], "created_at": "2026-11-20T09:05:00-05:00",
                "updated_at": "2026-11-20T09:05:00-05:00", "currency": "EUR", "total_price": "24.00",
                "line_items": cart["line_items"]}
    deliver("checkouts/create", checkout)
    c = customer()
    from app.models import Cart
    stored = db.session.get(Cart, c.id)
    assert stored is not None and stored.item_count == 2 and stored.items[0]["sku"] == "TEA-1"


def test_customers_redact_erases_the_customer(store, deliver, any_app):
    deliver("orders/create", ORDER)
    c = customer()
    request = {"shop_id": 954889, "shop_domain": SHOP, "customer": {"id": int(CUSTOMER_ID),
               "email": "jon@example.com", "phone": None}, "orders_to_redact": [ORDER["id"]]}
    assert deliver("customers/redact", request).status_code == 200
    db.session.expire_all()
    erased = db.session.get(Customer, c.id)
    assert erased.erased_at is not None and erased.email is None
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "customer.erased")) is not None


def test_the_webhook_url_is_absolute(any_app):
    assert connections.webhook_url("shopify") == "http://127.0.0.1:5000/webhooks/shopify"


def test_credentials_are_stored_encrypted_and_shown_only_by_their_end(any_app):
    store = connections.connect("shopify", shop=f"https://{SHOP}/admin", webhook_secret=SECRET,
                                access_token="shpat_0123456789abcdef", by=CLI)
    assert store.shop == SHOP
    assert SECRET not in store.credentials and "shpat_0123456789abcdef" not in store.credentials
    assert store.credential_hints["access_token"] == "…cdef"
    assert connections.secrets(store).access_token == "shpat_0123456789abcdef"


def test_the_api_finds_a_guest_by_email_with_the_whole_profile(any_app, deliver, store):
    from app.services.access import api_keys
    deliver("orders/create", ORDER | {"customer": None, "id": 1234})
    key = api_keys.create_api_key("Shop server", by=CLI)
    response = any_app.test_client().get("/api/v1/customers?email=JON@example.com",
                                     headers={"Authorization": f"Bearer {key.secret}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    [profile] = response.get_json()["results"]
    assert profile["customer_id"] == "email:jon@example.com" and profile["orders"][0]["order_id"] == "1234"
    bad = any_app.test_client().get("/api/v1/customers?email=nope", headers={"Authorization": f"Bearer {key.secret}"})
    assert bad.status_code in (400, 422) and "email" in bad.get_data(as_text=True)


def test_a_cart_token_the_theme_reports_brings_the_carts_webhooks_to_the_visitor(store, deliver, any_app):
    from datetime import UTC, datetime, timedelta

    from app.models import AnonymousVisitor, Cart
    any_app.config["HELPDESK_ALLOWED_ORIGINS"] = ["https://tea.example"]
    now = datetime.now(UTC).isoformat()
    page_cart = {"cart_token": "c1-theme", "currency": "EUR", "total": "12.00",
                 "items": [{"sku": "TEA-1", "name": "Sencha", "quantity": 1, "unit_price": "12.00"}]}
    response = any_app.test_client().post("/api/v1/widget/events", headers={"Origin": "https://tea.example"}, json={
        "anonymous_id": "anon-theme", "events": [{"id": "p1", "type": "cart_updated", "timestamp": now,
                                                  "properties": page_cart}]})
    assert response.status_code == 202, response.get_data(as_text=True)
    visitor = db.session.scalar(db.select(AnonymousVisitor.customer_id).where(AnonymousVisitor.anonymous_id ==
                                                                              "anon-theme"))
    # between page loads the customer adds a second tea: Shopify's webhook, the visitor's cart
    later = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    deliver("carts/update", {"id": "c1-theme", "token": "c1-theme", "updated_at": later, "created_at": now,
                             "line_items": [{"id": 1, "sku": "TEA-1", "title": "Sencha", "quantity": 2,
                                             "price": "12.00"}]})
    db.session.expire_all()
    assert db.session.get(Cart, visitor).item_count == 2


def test_deliveries_older_than_a_week_are_forgotten(store, deliver):
    from datetime import timedelta

    from app.models import StoreDelivery
    from app.models.base import utcnow
    from app.services.stores import webhooks
    deliver("customers/create", ORDER["customer"], webhook_id="old")
    assert webhooks.prune_deliveries(now=utcnow() + timedelta(days=8)) == {"deleted": 1}
    assert db.session.scalar(db.select(db.func.count(StoreDelivery.id))) == 0


def test_a_flood_of_forged_deliveries_is_cut_off_but_good_ones_never_count(store, deliver, any_app):
    any_app.config["HELPDESK_LIMIT_STORE_WEBHOOK_FAILURES"] = "3 per minute"
    for n in range(5):
        assert deliver("customers/update", ORDER["customer"], webhook_id=f"good-{n}").status_code == 200
    statuses = [deliver("orders/create", ORDER, secret="forged").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_agents_see_the_order_by_the_number_the_customer_knows(store, deliver):
    deliver("orders/create", ORDER)
    order = db.session.scalar(db.select(Order))
    assert order.number == ORDER["name"] and order.label == ORDER["name"]
    deliver("orders/create", ORDER | {"id": 77, "name": None})
    assert db.session.scalar(db.select(Order).where(Order.external_order_id == "77")).label == "77"


def test_a_guest_who_opens_an_account_keeps_their_orders_on_one_profile(store, deliver):
    deliver("orders/create", ORDER | {"customer": None, "id": 1234})
    guest = customer("email:jon@example.com")
    deliver("customers/create", ORDER["customer"])
    db.session.expire_all()
    account = customer()
    assert account.id == guest.id and account.order_count == 1 and customer("email:jon@example.com") is None
    # later guest orders with the address go to the account too
    deliver("orders/create", ORDER | {"customer": None, "id": 1235})
    db.session.expire_all()
    assert customer().order_count == 2
