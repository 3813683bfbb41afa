"""The Shopify GraphQL Admin API client: its answers in the webhook shape, paging, Shopify's cost
throttling, retries that never act twice, and errors a shop owner can read. Against the fake
Shopify in tests/support; waits are recorded through an injected sleep, never slept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.services.shop_events.schemas import validate_event
from app.services.stores import shopify, shopify_graphql
from app.services.stores.api_client import StoreApiError
from app.services.stores.shopify_api import TOKEN_REFUSED, ShopifyApi
from tests.support.fake_shopify import FakeShopify
from tests.support.fake_shopify_shapes import GENERATED_ORDER_BASE

PAYLOADS = Path(__file__).parent / "payloads"
ORDER = json.loads((PAYLOADS / "shopify_order.json").read_text())
CUSTOMER = json.loads((PAYLOADS / "shopify_customer.json").read_text())
LINE_WITH_SKU, LINE_WITHOUT_SKU = (line["id"] for line in ORDER["line_items"])
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


def _money(amount: str) -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": "EUR"}}


# The sample order as the GraphQL Admin API answers it (times in UTC, as Shopify writes them).
GRAPHQL_ORDER = {
    "id": "gid://shopify/Order/820982911946154508", "name": "#9999", "email": "jon@example.com",
    "createdAt": "2026-11-20T15:15:30Z", "updatedAt": "2026-11-20T15:15:31Z", "cancelledAt": None,
    "currencyCode": "EUR", "displayFinancialStatus": "PAID", "cartToken": "c1-9d7a1c0e4c0b6e2b1f3a",
    "checkoutToken": "bd5a8aa1ecd019dd3520ff791ee3a24c", "totalPriceSet": _money("403.0"),
    "customer": {"id": "gid://shopify/Customer/115310627314723954", "firstName": "Jon", "lastName": "Snow",
                 "state": "ENABLED", "createdAt": "2026-05-02T14:00:00Z", "updatedAt": "2026-11-20T15:15:30Z",
                 "defaultEmailAddress": {"emailAddress": "jon@example.com"}, "defaultPhoneNumber": None},
    "lineItems": {"nodes": [
        {"id": "gid://shopify/LineItem/866550311766439020", "sku": "IPOD2008PINK", "title": "IPod Nano - 8GB",
         "quantity": 1, "originalUnitPriceSet": _money("199.0"), "product": {"id": "gid://shopify/Product/632910392"},
         "variant": {"id": "gid://shopify/ProductVariant/808950810"}},
        {"id": "gid://shopify/LineItem/141249953214522974", "sku": "", "title": "IPod Nano - 8GB",
         "quantity": 1, "originalUnitPriceSet": _money("199.0"), "product": {"id": "gid://shopify/Product/632910392"},
         "variant": {"id": "gid://shopify/ProductVariant/808950811"}}]},
    "refunds": [],
}


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _comparable(event: dict) -> dict:
    """An event with its time as an instant: a webhook writes the shop's offset, GraphQL UTC."""
    instant = _instant(event["timestamp"])
    return dict(event, timestamp=instant, id=event["id"].replace(event["timestamp"], instant.isoformat()))


@pytest.fixture()
def recorded() -> list[float]:
    """The waits the client asked for (the injected sleep records them and moves the fake's clock)."""
    return []


def _api(fake: FakeShopify, waits: list[float] | None = None, **options) -> ShopifyApi:
    def sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)
        fake.advance(seconds)

    return ShopifyApi("tea-and-things.myshopify.com", options.pop("token", fake.token), fake.url,
                      sleep=sleep, clock=fake.clock, **options)


@pytest.fixture()
def store():
    with FakeShopify(orders=[json.loads(json.dumps(ORDER))], customers=[CUSTOMER]) as fake:
        yield fake


# --- the answers in the webhook shape ------------------------------------------------------------


def test_a_graphql_order_becomes_the_webhook_shape():
    order = shopify_graphql.order_from_graphql(GRAPHQL_ORDER)
    assert (order["id"], order["name"], order["currency"], order["total_price"]) == (
        820982911946154508, "#9999", "EUR", "403.0")
    assert (order["financial_status"], order["cart_token"], order["cancelled_at"]) == (
        "paid", "c1-9d7a1c0e4c0b6e2b1f3a", None)
    assert order["line_items"][1] == {"id": 141249953214522974, "product_id": 632910392, "variant_id": 808950811,
                                      "sku": "", "title": "IPod Nano - 8GB", "quantity": 1, "price": "199.0"}
    assert order["customer"]["id"] == 115310627314723954 and order["customer"]["email"] == "jon@example.com"
    assert shopify_graphql.order_from_graphql(dict(GRAPHQL_ORDER, customer=None))["customer"] is None


def test_the_backfilled_order_maps_to_the_events_its_webhook_gives():
    backfilled = shopify.order_events(shopify_graphql.order_from_graphql(GRAPHQL_ORDER))
    delivered = shopify.order_events(ORDER)
    for event in backfilled:
        validate_event(event)
    assert [_comparable(e) for e in backfilled] == [_comparable(e) for e in delivered]
    # the order itself is keyed by its id alone, so a backfill and a webhook count it once
    assert backfilled[1]["id"] == delivered[1]["id"] == "shopify-order-820982911946154508"


def test_a_refund_node_becomes_the_refunds_create_shape():
    node = {"id": "gid://shopify/Refund/890088186047892319", "createdAt": "2026-11-22T14:30:00Z", "note": "Scratched",
            "order": {"id": "gid://shopify/Order/820982911946154508"},
            "transactions": {"nodes": [{"kind": "REFUND", "status": "SUCCESS", "gateway": "bogus",
                                        "amountSet": _money("199.0")}]},
            "refundLineItems": {"edges": [{"node": {"quantity": 1, "subtotalSet": _money("199.0"),
                                                    "lineItem": {"id": "gid://shopify/LineItem/866550311766439020"}}}]}}
    assert shopify_graphql.refund_from_graphql(node) == {
        "id": 890088186047892319, "order_id": 820982911946154508, "created_at": "2026-11-22T14:30:00Z",
        "note": "Scratched", "transactions": [{"amount": "199.0", "kind": "refund", "status": "success",
                                               "gateway": "bogus"}],
        "refund_line_items": [{"line_item_id": 866550311766439020, "quantity": 1, "subtotal": "199.0"}]}


@pytest.mark.parametrize(("value", "expected"), [
    ("gid://shopify/Order/123", 123), ("gid://shopify/Customer/7?x=1", 7), (None, None), ("nope", None)])
def test_a_gid_gives_its_number(value, expected):
    assert shopify_graphql.numeric_id(value) == expected


def test_the_queries_are_valid_graphql():
    graphql = pytest.importorskip("graphql")
    for document in (shopify_graphql.SHOP_QUERY, shopify_graphql.ORDERS_QUERY, shopify_graphql.CUSTOMERS_QUERY,
                     shopify_graphql.REFUNDS_QUERY, shopify_graphql.SUGGESTED_REFUND_QUERY,
                     shopify_graphql.ORDER_CANCEL, shopify_graphql.ORDER_INVOICE_SEND,
                     shopify_graphql.REFUND_CREATE % '"key-1"'):
        graphql.parse(document)


# --- reads ---------------------------------------------------------------------------------------


def test_check_names_the_shop(store):
    with _api(store) as api:
        assert api.check() == {"name": "Tea & Things", "myshopifyDomain": "tea-and-things.myshopify.com",
                               "currencyCode": "EUR"}


def test_orders_come_in_the_webhook_shape_with_their_refund_details(store):
    store.orders[0]["refunds"] = [json.loads((PAYLOADS / "shopify_refund.json").read_text())]
    with _api(store) as api:
        page = api.orders_page(SINCE, None)
    assert page.next is None and [o["id"] for o in page.items] == [ORDER["id"]]
    refund = page.items[0]["refunds"][0]
    assert refund["refund_line_items"] == [{"line_item_id": LINE_WITH_SKU, "quantity": 1, "subtotal": "199.0"}]
    assert refund["transactions"][0]["kind"] == "refund" and refund["order_id"] == ORDER["id"]


def test_paging_reaches_the_end_once_per_order_from_since():
    with FakeShopify(generated_orders=1234) as fake, _api(fake) as api:
        since = datetime(2025, 1, 1, 1, 40, tzinfo=UTC)  # the 101st generated order on
        seen, cursor, pages = [], None, 0
        while True:
            page = api.orders_page(since, cursor, first=250)
            seen += [order["id"] for order in page.items]
            pages, cursor = pages + 1, page.next
            if cursor is None:
                break
    assert seen == list(range(GENERATED_ORDER_BASE + 100, GENERATED_ORDER_BASE + 1234))
    assert pages == 5


def test_a_page_shopify_prices_above_its_limit_shrinks_until_it_fits():
    with FakeShopify(generated_orders=60, max_query_cost=1000) as fake, _api(fake) as api:
        first = api.orders_page(SINCE, None, first=100)
        assert 1 <= len(first.items) < 60 and first.next
        assert all(entry["cost"] <= 1000 for entry in fake.requests[1:])
        ids, cursor = [o["id"] for o in first.items], first.next
        while cursor:
            page = api.orders_page(SINCE, cursor, first=100)
            ids, cursor = ids + [o["id"] for o in page.items], page.next
        assert len(ids) == len(set(ids)) == 60
        refused = sum(1 for entry in fake.requests if entry["cost"] and entry["cost"] > 1000)
        assert refused == 1  # the size that fits is remembered


def test_customers_come_in_the_webhook_shape(store):
    with _api(store) as api:
        page = api.customers_page(SINCE, None)
        later = api.customers_page(datetime(2027, 1, 1, tzinfo=UTC), None)
    customer = page.items[0]
    assert (customer["id"], customer["email"], customer["first_name"]) == (CUSTOMER["id"], "jon@example.com", "Jon")
    assert shopify.customer_events(customer)[0]["customer_id"] == str(CUSTOMER["id"])
    assert later.items == [] and later.next is None


# --- throttling and retries ----------------------------------------------------------------------


def test_a_throttled_store_is_waited_for_as_its_throttle_status_says(recorded):
    with FakeShopify(generated_orders=40) as fake, _api(fake, recorded) as api:
        fake.throttle(available=50, restore_rate=100)
        cursor, pages = None, 0
        while True:
            page = api.orders_page(SINCE, cursor, first=10)
            cursor, pages = page.next, pages + 1
            if cursor is None:
                break
        cost = fake.requests[-1]["cost"]
    # the first call, priced before anything was known, met THROTTLED: wait for the missing points
    assert recorded[0] == pytest.approx((cost - 50) / 100, abs=0.02)
    # from then on the client waited before each call that would not fit, and was never refused again
    assert fake.throttled == 1 and pages == 4 and len(recorded) == 4
    assert all(wait > 0 for wait in recorded)


def test_a_429_waits_as_long_as_retry_after_says(store, recorded):
    store.fail_next(429, retry_after=3)
    with _api(store, recorded) as api:
        assert api.check()["name"] == "Tea & Things"
    assert recorded == [3.0]


def test_a_5xx_is_asked_again_for_a_query_with_backoff(store, recorded):
    store.fail_next(500, times=2)
    with _api(store, recorded) as api:
        assert api.orders_page(SINCE, None).items[0]["id"] == ORDER["id"]
    assert recorded == [0.5, 1.0]


def test_a_5xx_that_does_not_stop_becomes_a_retryable_error(store, recorded):
    store.fail_next(503, times=10)
    with _api(store, recorded, max_attempts=3) as api, pytest.raises(StoreApiError) as raised:
        api.check()
    assert raised.value.retryable and raised.value.status == 503 and len(recorded) == 2


def test_a_mutation_without_a_key_is_not_sent_twice(store, recorded):
    store.fail_next(502, field="orderInvoiceSend", after_processing=True)
    with _api(store, recorded) as api, pytest.raises(StoreApiError) as raised:
        api.resend_confirmation(ORDER["id"])
    assert raised.value.status == 502 and not raised.value.retryable and "may have gone through" in str(raised.value)
    assert store.invoices == [ORDER["id"]] and recorded == []


def test_a_refund_whose_answer_was_lost_is_asked_again_and_refunds_once(store, recorded):
    store.fail_next(502, field="refundCreate", after_processing=True)
    with _api(store, recorded) as api:
        refund = api.refund(ORDER["id"], lines=[(LINE_WITHOUT_SKU, 1)], note="Wrong colour",
                            idempotency_key="3f5b6ebf-143c-4da5-8d0f-fb8553bfd85d")
    sent = [entry for entry in store.requests if entry["field"] == "refundCreate"]
    assert len(sent) == 2 and {entry["idempotency_key"] for entry in sent} == {"3f5b6ebf-143c-4da5-8d0f-fb8553bfd85d"}
    assert len(store.refunds) == 1 and store.refunded_lines(ORDER["id"]) == {LINE_WITHOUT_SKU: 1}
    assert refund["refund_line_items"] == [{"line_item_id": LINE_WITHOUT_SKU, "quantity": 1, "subtotal": "199.00"}]
    assert refund["transactions"][0]["amount"] == "199.00" and refund["order_id"] == ORDER["id"]
    assert recorded == [0.5]


def test_a_whole_order_refund_takes_what_shopify_suggests_with_shipping(store):
    with _api(store) as api:
        refund = api.refund(ORDER["id"], lines=None, note="Cancelled by phone", idempotency_key="whole-1")
    assert store.refunded_lines(ORDER["id"]) == {LINE_WITH_SKU: 1, LINE_WITHOUT_SKU: 1}
    assert refund["transactions"][0]["amount"] == "403.00"  # both lines and the 5.00 shipping
    sent = store.refunds[0]
    assert sent["shipping"] and sent["transactions"][0]["parent_id"] == ORDER["id"] + 1


def test_a_bad_idempotency_key_is_refused_before_anything_is_sent(store):
    with _api(store) as api, pytest.raises(ValueError):
        api.refund(ORDER["id"], lines=None, note="", idempotency_key="not a key!")
    assert store.requests == []


def test_a_cancellation_whose_answer_was_lost_cancels_once(store):
    store.fail_next(504, field="orderCancel", after_processing=True)
    with _api(store, []) as api:
        result = api.cancel(ORDER["id"], reason="CUSTOMER", idempotency_key="cancel-1")
    assert len(store.cancellations) == 1 and store.cancellations[0]["reason"] == "CUSTOMER"
    assert _instant(result["cancelled_at"]) == _instant(store.order(ORDER["id"])["cancelled_at"])


def test_shopifys_refusal_reaches_the_shop_owner_in_its_words(store):
    with _api(store) as api, pytest.raises(StoreApiError) as raised:
        api.cancel(1, idempotency_key="cancel-2")
    assert raised.value.message == "Shopify says: Order does not exist" and not raised.value.retryable


def test_resending_the_confirmation_sends_the_order_invoice(store):
    with _api(store) as api:
        assert api.resend_confirmation(ORDER["id"]) == {"order_id": ORDER["id"], "email": "jon@example.com"}
    assert store.invoices == [ORDER["id"]]


# --- errors --------------------------------------------------------------------------------------


def test_a_bad_token_is_a_plain_error_and_is_not_asked_again(store, recorded):
    with _api(store, recorded, token="shpat_wrong") as api, pytest.raises(StoreApiError) as raised:
        api.check()
    assert raised.value.message == TOKEN_REFUSED
    assert (raised.value.status, raised.value.retryable, len(store.requests), recorded) == (401, False, 1, [])


def test_a_store_that_does_not_answer_in_time_is_a_retryable_error(store, recorded):
    store.delay = 1.0
    with _api(store, recorded, timeout=0.05, max_attempts=2) as api, pytest.raises(StoreApiError) as raised:
        api.check()
    assert raised.value.message == "The store did not answer within 0.05 s" and raised.value.retryable
    assert recorded == [0.5]


# --- the webhook payloads for the mapping work ---------------------------------------------------


def test_the_webhook_payloads_tell_one_story():
    def load(name):
        return json.loads((PAYLOADS / name).read_text())

    refund, cart, checkout = load("shopify_refund.json"), load("shopify_cart.json"), load("shopify_checkout.json")
    cancelled, redact = load("shopify_order_cancelled.json"), load("shopify_customers_redact.json")
    assert refund["order_id"] == ORDER["id"] and refund["refund_line_items"][0]["line_item_id"] == LINE_WITH_SKU
    assert checkout["cart_token"] == cart["token"] == ORDER["cart_token"]
    assert checkout["token"] == ORDER["checkout_token"] and checkout["email"] == ORDER["email"]
    assert cancelled["id"] == ORDER["id"] and cancelled["cancelled_at"] and len(cancelled["refunds"]) == 2
    assert load("shopify_customer.json")["id"] == redact["customer"]["id"] == ORDER["customer"]["id"]
    assert redact["orders_to_redact"] == [ORDER["id"]]
