"""WooCommerce deliveries: the signature is checked on the raw body, the activation ping and the
delivery headers are read, a change delivered twice is recognised, and the REST v3 resources as
WooCommerce documents them (tests/stores/payloads) become events the pipeline accepts."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Customer, Order
from app.services.shop_events.ingestion import ingest_events
from app.services.shop_events.schemas import validate_event
from app.services.stores import woocommerce

PAYLOADS = Path(__file__).parent / "payloads"
ORDER = json.loads((PAYLOADS / "woocommerce_order.json").read_text())
GUEST_ORDER = json.loads((PAYLOADS / "woocommerce_guest_order.json").read_text())
CUSTOMER = json.loads((PAYLOADS / "woocommerce_customer.json").read_text())
SECRET = "wc-webhook-secret-5b1c0f0e2d"


def _headers(body: bytes, secret: str = SECRET, **extra) -> dict:
    return {"X-WC-Webhook-Signature": woocommerce.signature(body, secret), "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Source": "https://example.com/", "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated", "X-WC-Webhook-ID": "12",
            "X-WC-Webhook-Delivery-ID": "7a1e0d9c4a0f6f0e9b1d2c3e4f5a6b7c", **extra}


def _validated(events: list[dict]) -> list[dict]:
    """The events, each checked by the events API's own schema."""
    for event in events:
        validate_event(event)
    return events


def _kinds(events: list[dict]) -> list[str]:
    return [event["type"] for event in events]


# --- is it WooCommerce's, and which delivery is it -----------------------------------------------


def test_a_delivery_signed_with_the_secret_is_woocommerces_and_any_change_to_its_body_is_not():
    body = json.dumps(ORDER).encode()
    headers = _headers(body)
    assert woocommerce.verify(body, headers, (SECRET,))
    assert not woocommerce.verify(body.replace(b"69.40", b"0.01"), headers, (SECRET,))
    assert not woocommerce.verify(body, headers, ("another-secret",))
    assert not woocommerce.verify(body, {k: v for k, v in headers.items() if k != "X-WC-Webhook-Signature"},
                                  (SECRET,))
    assert not woocommerce.verify(body, headers, ("",))
    assert not woocommerce.verify(body, headers, ())


def test_the_previous_secret_still_verifies_while_the_owner_changes_it():
    body = "João ☕".encode()
    assert woocommerce.verify(body, _headers(body, "old-secret"), (SECRET, "old-secret"))
    assert not woocommerce.verify(body, _headers(body, "old-secret"), (SECRET,))


@pytest.mark.parametrize(("body", "content_type", "ping"), [
    (b"webhook_id=12", "application/x-www-form-urlencoded", True),
    (b"webhook_id=12", "application/x-www-form-urlencoded; charset=UTF-8", True),
    (b"webhook_id=12", None, True),
    (b"webhook_id=12&action=x", "application/x-www-form-urlencoded", False),
    (b"webhook_id=12", "application/json", False),
    (b'{"webhook_id": 12}', "application/json", False),
    (json.dumps({"id": 12}).encode(), "application/json", False),
])
def test_the_activation_ping_is_the_unsigned_form_body_webhook_id(body, content_type, ping):
    assert woocommerce.is_ping(body, content_type) is ping


def test_the_delivery_names_its_topic_site_id_resource_and_event():
    headers = _headers(b"{}", **{"X-WC-Webhook-Topic": "Order.Created", "X-WC-Webhook-Event": "created",
                                 "X-WC-Webhook-Source": "HTTPS://Shop.Example.com:443/Boutique/"})
    assert woocommerce.delivery(headers) == woocommerce.Delivery(
        "order.created", "https://shop.example.com/Boutique", "7a1e0d9c4a0f6f0e9b1d2c3e4f5a6b7c", "order", "created")


def test_a_delivery_without_resource_headers_takes_them_from_its_topic():
    found = woocommerce.delivery({"X-WC-Webhook-Topic": "customer.deleted"})
    assert (found.resource, found.event, found.delivery_id, found.source) == ("customer", "deleted", None, "")


@pytest.mark.parametrize(("given", "normalised"), [
    ("https://example.com/", "https://example.com"),
    ("HTTPS://Example.COM", "https://example.com"),
    ("https://example.com:443/shop/", "https://example.com/shop"),
    ("http://example.com:8080/", "http://example.com:8080"),
    ("example.com/shop", "https://example.com/shop"),
    ("  https://example.com/?utm=x#top ", "https://example.com"),
    ("", ""),
    (None, ""),
])
def test_a_site_url_has_one_spelling(given, normalised):
    assert woocommerce.normalise_site_url(given) == normalised


def test_woocommerce_handles_order_and_customer_topics():
    assert {"order.created", "order.updated", "order.deleted", "customer.created", "customer.updated",
            "customer.deleted"} == woocommerce.TOPICS


# --- a change delivered twice ---------------------------------------------------------------------


def test_the_same_change_under_two_deliveries_shares_its_change_key():
    created = woocommerce.delivery(_headers(b"", **{"X-WC-Webhook-Topic": "order.created",
                                                    "X-WC-Webhook-Delivery-ID": "aaa"}))
    updated = woocommerce.delivery(_headers(b"", **{"X-WC-Webhook-Delivery-ID": "bbb"}))
    first, second = woocommerce.dedupe_keys(created, ORDER), woocommerce.dedupe_keys(updated, copy.deepcopy(ORDER))
    assert len(first) == len(second) == 2
    assert first[0] != second[0]  # two deliveries
    assert first[1] == second[1]  # one change: seen once


def test_a_new_change_is_new_even_within_the_same_second_or_delivery_id():
    delivery = woocommerce.delivery(_headers(b""))
    keys = set(woocommerce.dedupe_keys(delivery, ORDER))
    # date_modified_gmt has one-second resolution: a status change within it is still a change
    assert not keys & set(woocommerce.dedupe_keys(delivery, ORDER | {"status": "refunded"}))
    # one webhook's deliveries within a second share the delivery id: another order is not a repeat
    assert not keys & set(woocommerce.dedupe_keys(delivery, GUEST_ORDER))


def test_a_deleted_resource_is_keyed_by_its_delivery_only():
    delivery = woocommerce.delivery(_headers(b"", **{"X-WC-Webhook-Topic": "order.deleted"}))
    [key] = woocommerce.dedupe_keys(delivery, {"id": 727})
    assert "7a1e0d9c4a0f6f0e9b1d2c3e4f5a6b7c" in key and "https://example.com" in key
    assert woocommerce.dedupe_keys(woocommerce.delivery({}), {"id": 727}) == []


# --- orders ---------------------------------------------------------------------------------------


def test_an_order_becomes_the_customers_identity_their_order_and_its_refunds():
    identify, placed, *refunds = _validated(woocommerce.order_events(ORDER))
    assert {e["customer_id"] for e in (identify, placed, *refunds)} == {"26"}
    assert identify["properties"] == {"email": "joao.silva@example.com", "name": "João Silva",
                                      "phone": "(11) 1111-1111"}
    assert identify["timestamp"] == placed["timestamp"] == "2017-03-21T19:16:00+00:00"  # the _gmt date, as UTC
    assert placed["id"] == "woocommerce-order-723"
    assert placed["properties"] | {"items": None} == {"order_id": "723", "order_number": "#723", "currency": "USD",
                                                      "total": "69.40", "items": None}
    # a line without a SKU is named by its product; WooCommerce's HTML entities are decoded
    assert [(i["sku"], i["name"], i["quantity"], i["unit_price"]) for i in placed["properties"]["items"]] == [
        ("product-87", "Woo Album #2", 1, "9.00"),
        ("Bar3", "Ship Your Idea – Color: Black, Size: M Test", 1, "12.00"),
        ("woo-ninja", "Woo Ninja", 2, "17.50")]
    assert [(r["id"], r["properties"], r["timestamp"]) for r in refunds] == [
        ("woocommerce-refund-726", {"order_id": "723", "amount": "10.00", "refund_id": "726"},
         "2017-03-21T19:54:51+00:00"),
        ("woocommerce-refund-724", {"order_id": "723", "amount": "9.00", "refund_id": "724",
                                    "reason": "Album arrived scratched"}, "2017-03-21T19:54:51+00:00")]


@pytest.mark.parametrize(("status", "kinds"), [
    ("processing", ["identify", "order_placed"]),
    ("on-hold", ["identify", "order_placed"]),
    ("completed", ["identify", "order_placed"]),
    ("refunded", ["identify", "order_placed", "order_refunded"]),
    ("cancelled", ["identify", "order_cancelled"]),
    ("failed", ["identify", "order_cancelled"]),
    ("trash", ["identify", "order_cancelled"]),
    ("pending", ["identify"]),
    ("checkout-draft", ["identify"]),
])
def test_each_status_says_what_happened_to_the_order(status, kinds):
    events = _validated(woocommerce.order_events(GUEST_ORDER | {"status": status}))
    assert _kinds(events) == kinds


def test_a_cancelled_order_is_cancelled_once_when_it_changed():
    *_, cancelled = woocommerce.order_events(GUEST_ORDER | {"status": "cancelled"})
    assert cancelled == {"id": "woocommerce-order-727-cancelled", "type": "order_cancelled",
                         "customer_id": "email:john.doe@example.com", "timestamp": "2017-03-22T19:28:08+00:00",
                         "properties": {"order_id": "727"}}


def test_a_status_a_plugin_added_counts_as_placed_once_the_order_is_paid():
    assert _kinds(woocommerce.order_events(GUEST_ORDER | {"status": "shipped"})) == ["identify", "order_placed"]
    unpaid = GUEST_ORDER | {"status": "awaiting-quote", "date_paid": None, "date_paid_gmt": None}
    assert _kinds(woocommerce.order_events(unpaid)) == ["identify"]


def test_a_refunded_order_whose_refunds_cover_its_total_is_not_refunded_twice():
    # WooCommerce records the rest of a refunded order as a refund itself (wc_order_fully_refunded)
    refunded = GUEST_ORDER | {"status": "refunded",
                              "refunds": [{"id": 730, "reason": "Order fully refunded.", "total": "-29.35"}]}
    *_, refund = _validated(woocommerce.order_events(refunded))
    assert _kinds(woocommerce.order_events(refunded)).count("order_refunded") == 1
    assert refund["id"] == "woocommerce-refund-730" and refund["properties"]["amount"] == "29.35"


def test_a_refunded_order_with_its_refunds_not_yet_listed_is_refunded_for_the_rest():
    partly = GUEST_ORDER | {"status": "refunded", "refunds": [{"id": 731, "reason": "", "total": "-9.35"}]}
    *_, first, rest = _validated(woocommerce.order_events(partly))
    assert (first["properties"]["amount"], rest["properties"]["amount"]) == ("9.35", "20.00")
    assert rest["id"] == "woocommerce-order-727-refunded"


def test_a_guest_order_is_keyed_by_the_billing_email():
    events = _validated(woocommerce.order_events(GUEST_ORDER))
    assert {event["customer_id"] for event in events} == {"email:john.doe@example.com"}
    assert events[0]["properties"]["email"] == "john.doe@example.com"


@pytest.mark.parametrize("address", ["", None, "not an address"])
def test_a_guest_order_without_a_usable_email_gives_nothing(address):
    order = copy.deepcopy(GUEST_ORDER)
    order["billing"]["email"] = address
    assert woocommerce.order_events(order) == []


def test_an_edited_billing_address_is_a_new_identity_dated_when_the_order_was_placed():
    edited = copy.deepcopy(GUEST_ORDER) | {"date_modified_gmt": "2017-04-01T08:00:00"}
    edited["billing"]["phone"] = "(555) 000-0000"
    before, after = woocommerce.order_events(GUEST_ORDER)[0], woocommerce.order_events(edited)[0]
    assert before["id"] != after["id"] and before["timestamp"] == after["timestamp"]


def test_every_event_carries_an_offset_and_ids_that_fit():
    events = [*woocommerce.order_events(ORDER), *woocommerce.order_events(GUEST_ORDER | {"status": "trash"}),
              *woocommerce.customer_events(CUSTOMER)]
    for event in _validated(events):
        assert datetime.fromisoformat(event["timestamp"]).utcoffset() is not None
        assert len(event["id"]) <= 128


# --- customers and deletions ----------------------------------------------------------------------


def test_a_customer_payload_is_their_identity_once_per_modification():
    [event] = _validated(woocommerce.customer_events(CUSTOMER))
    assert event == {"id": "woocommerce-customer-25-2017-03-21T19:12:28", "type": "identify", "customer_id": "25",
                     "timestamp": "2017-03-21T19:12:28+00:00",
                     "properties": {"email": "john.doe@example.com", "name": "James Doe", "phone": "(555) 555-5555"}}
    assert woocommerce.customer_events({"id": 0, "email": "x@example.com"}) == []


def test_a_customer_without_an_account_email_is_known_by_the_billing_one():
    customer = copy.deepcopy(CUSTOMER) | {"email": "", "first_name": "", "last_name": ""}
    [event] = _validated(woocommerce.customer_events(customer))
    assert event["properties"]["email"] == "john.doe@example.com" and event["properties"]["name"] == "James Doe"


def test_a_deleted_order_is_cancelled_for_the_customer_it_belongs_to():
    when = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    [event] = woocommerce.deleted_events("order", {"id": 727}, customer_id="email:john.doe@example.com",
                                         received_at=when)
    assert event == {"id": "woocommerce-order-727-cancelled", "type": "order_cancelled",
                     "customer_id": "email:john.doe@example.com", "timestamp": "2026-03-01T10:00:00+00:00",
                     "properties": {"order_id": "727"}}
    # the same id as the cancellation an order.updated to "trash" gives: the two count once
    assert event["id"] == woocommerce.order_events(GUEST_ORDER | {"status": "trash"})[-1]["id"]
    assert woocommerce.deleted_events("order", {"id": 727}) == []  # no one to tell


def test_a_deleted_customer_erases_nothing():
    assert woocommerce.deleted_events("customer", {"id": 25}, customer_id="25") == []


# --- through the pipeline -----------------------------------------------------------------------------


def test_an_order_and_its_update_count_once_for_the_customer(any_app):
    first = ingest_events(woocommerce.order_events(GUEST_ORDER), source="api")
    again = ingest_events(woocommerce.order_events(copy.deepcopy(GUEST_ORDER)), source="api")
    assert (first.accepted, again.accepted, again.duplicates) == (2, 0, 2)
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == "email:john.doe@example.com"))
    assert customer.order_count == 1
    order = db.session.scalar(db.select(Order).where(Order.customer_id == customer.id))
    assert order.external_order_id == "727" and str(order.total) == "29.35" and order.currency == "USD"


def test_a_refund_reaches_the_customers_order(any_app):
    result = ingest_events(woocommerce.order_events(ORDER), source="api")
    assert result.accepted == 4
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == "26"))
    order = db.session.scalar(db.select(Order).where(Order.customer_id == customer.id))
    # two partial refunds (10.00 and 9.00) of a 69.40 order: it still counts, for what was kept
    assert order.external_order_id == "723" and order.refunded_at is None
    assert str(order.refunded_amount) == "19.00" and str(customer.lifetime_value) == "50.40"
