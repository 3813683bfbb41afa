"""WooCommerce's REST API client against a fake store (tests/support/fake_woocommerce.py): the keys
are checked, history is read page by page to the end, reads are retried on a rate limit, a server
error or a lost connection, writes are sent once, and every failure reads plainly."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from app.services.stores.api_client import Page, StoreApiError
from app.services.stores.woocommerce_api import REFUND_KEY, WooCommerceApi, retry_after_seconds
from tests.support.fake_woocommerce import GENERATED_START, FakeWooCommerce, generated_order

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def shop():
    with FakeWooCommerce(generated_orders=250) as fake:
        yield fake


@pytest.fixture
def waits() -> list[float]:
    """The client's pauses, recorded instead of slept."""
    return []


@pytest.fixture
def api(shop, waits):
    with WooCommerceApi(shop.url, shop.consumer_key, shop.consumer_secret, sleep=waits.append, timeout=5) as client:
        yield client


def _all_orders(api: WooCommerceApi, since: datetime = LONG_AGO) -> list[dict]:
    orders, page = [], 1
    while page is not None:
        result = api.orders_page(since, page)
        orders.extend(result.items)
        page = result.next
    return orders


# --- keys and reads -------------------------------------------------------------------------------


def test_the_keys_are_checked_with_one_small_read(api, shop):
    assert api.check() == {"url": shop.url, "orders": 250, "currency": "EUR"}
    [call] = shop.requests
    assert (call.method, call.path, call.args["per_page"]) == ("GET", "/orders", "1")


@pytest.mark.parametrize(("key", "secret"), [("ck_wrong", "cs_fake_9876543210"), ("ck_fake_0123456789", "cs_wrong"),
                                             ("", "")])
def test_keys_woocommerce_refuses_are_a_plain_error_not_retried(shop, waits, key, secret):
    with WooCommerceApi(shop.url, key, secret, sleep=waits.append) as client, pytest.raises(StoreApiError) as caught:
        client.check()
    assert caught.value.message.startswith("WooCommerce refused the keys: check the consumer key and secret")
    assert (caught.value.status, caught.value.retryable, waits, len(shop.requests)) == (401, False, [], 1)


def test_the_order_history_is_read_page_by_page_to_the_end(api, shop):
    orders = _all_orders(api)
    assert [order["id"] for order in orders] == list(range(1, 251))
    assert [call.args["page"] for call in shop.requests] == ["1", "2", "3"]
    first = shop.requests[0].args
    assert (first["after"], first["dates_are_gmt"], first["orderby"], first["order"], first["per_page"]) == (
        "2020-01-01T00:00:00", "true", "date", "asc", "100")


def test_the_last_page_has_no_next(api):
    last = api.orders_page(LONG_AGO, 3)
    assert ([order["id"] for order in last.items], last.next) == (list(range(201, 251)), None)
    assert api.orders_page(LONG_AGO, 2).next == 3


def test_only_orders_created_after_since_are_read(api):
    since = GENERATED_START + timedelta(minutes=200, seconds=30)
    assert [order["id"] for order in _all_orders(api, since)] == list(range(201, 251))


def test_since_in_another_zone_is_sent_as_utc(api, shop):
    api.orders_page(datetime(2023, 12, 31, 21, 0, tzinfo=timezone(timedelta(hours=-5))), 1)
    assert shop.requests[-1].args["after"] == "2024-01-01T02:00:00"


def test_a_page_is_at_most_what_woocommerce_allows(api, shop):
    assert len(api.orders_page(LONG_AGO, 1, per_page=500).items) == 100
    assert shop.requests[-1].args["per_page"] == "100"


def test_customers_are_read_in_order_of_registration_and_only_those_changed_since(api, shop):
    for n in range(1, 6):
        shop.add_customer({"id": n, "email": f"c{n}@example.com", "first_name": "C", "last_name": str(n),
                           "date_created_gmt": f"2025-01-0{n}T10:00:00", "date_modified_gmt": f"2025-02-0{n}T10:00:00"})
    first = api.customers_page(datetime(2025, 2, 3, tzinfo=UTC), 1, per_page=2)
    second = api.customers_page(datetime(2025, 2, 3, tzinfo=UTC), 2, per_page=2)
    third = api.customers_page(datetime(2025, 2, 3, tzinfo=UTC), 3, per_page=2)
    assert (first, second.next, third.next) == (Page([], 2), 3, None)  # an empty page with more to follow
    assert [c["id"] for c in second.items + third.items] == [3, 4, 5]
    assert shop.requests[0].args["orderby"] == "registered_date"


# --- retries ----------------------------------------------------------------------------------------


def test_a_rate_limit_is_waited_out_as_the_store_asks(api, shop, waits):
    shop.fail_next(429, retry_after="7")
    assert len(api.orders_page(LONG_AGO, 1).items) == 100
    assert waits == [7.0] and len(shop.requests) == 2


def test_a_rate_limit_may_name_the_time_to_come_back(api, shop, waits):
    shop.fail_next(429, retry_after=format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True))
    api.check()
    [wait] = waits
    assert 10 < wait <= 20


def test_a_store_asking_for_a_long_pause_fails_the_call_for_later(api, shop, waits):
    shop.fail_next(429, retry_after="3600")
    with pytest.raises(StoreApiError) as caught:
        api.check()
    assert (caught.value.status, caught.value.retryable, waits) == (429, True, [])


def test_a_server_error_on_a_read_is_retried_with_growing_waits(api, shop, waits):
    shop.fail_next(500, times=2)
    assert api.check()["orders"] == 250
    assert waits == [0.5, 1.0] and len(shop.requests) == 3


def test_a_read_failing_every_time_gives_up_after_max_attempts(shop, waits):
    shop.fail_next(503, times=10)
    with WooCommerceApi(shop.url, shop.consumer_key, shop.consumer_secret, max_attempts=3, sleep=waits.append) as api:
        with pytest.raises(StoreApiError) as caught:
            api.orders_page(LONG_AGO, 1)
    assert (caught.value.status, caught.value.retryable, len(shop.requests), waits) == (503, True, 3, [0.5, 1.0])
    assert caught.value.message.startswith("The store had an error (HTTP 503)")


def test_a_store_that_does_not_answer_in_time_is_a_retryable_error(shop, waits):
    shop.delay = 30  # released when the fake closes
    with WooCommerceApi(shop.url, shop.consumer_key, shop.consumer_secret, timeout=0.2, max_attempts=2,
                        sleep=waits.append) as api, pytest.raises(StoreApiError) as caught:
        api.check()
    assert caught.value.message == "The store did not answer within 0.2 s"
    assert (caught.value.status, caught.value.retryable, len(shop.requests), waits) == (None, True, 2, [0.5])


def test_a_store_that_cannot_be_reached_is_a_retryable_error(waits):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with WooCommerceApi(f"http://127.0.0.1:{port}", "ck", "cs", max_attempts=2, sleep=waits.append) as api:
        with pytest.raises(StoreApiError) as caught:
            api.check()
    assert caught.value.message.startswith(f"Could not reach the store at http://127.0.0.1:{port}")
    assert caught.value.retryable and waits == [0.5]


def test_an_address_without_woocommerce_says_so(shop, waits):
    with WooCommerceApi(shop.url, shop.consumer_key, shop.consumer_secret, api_url=shop.url + "/wp-json/wc/v1",
                        sleep=waits.append) as api, pytest.raises(StoreApiError) as caught:
        api.check()
    assert caught.value.message == (f"No WooCommerce REST API answers at {shop.url}/wp-json/wc/v1: check the site "
                                    "URL and that WooCommerce is active")
    assert (caught.value.status, caught.value.retryable) == (404, False)


@pytest.mark.parametrize(("header", "seconds"), [("120", 120.0), ("0", 0.0), ("soon", None), (None, None)])
def test_retry_after_is_seconds_or_a_date(header, seconds):
    assert retry_after_seconds(header, datetime.now(UTC)) == seconds


def test_retry_after_as_a_date_in_the_past_is_no_wait():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", datetime.now(UTC)) == 0.0


# --- writes -----------------------------------------------------------------------------------------


def test_a_refund_goes_through_the_payment_gateway_and_carries_its_key(api, shop):
    refund = api.refund(7, amount="10.00", line_items=None, reason="Damaged in transit", idempotency_key="rf-7-1")
    [recorded] = shop.refunds
    assert recorded["request"] == {"amount": "10.00", "reason": "Damaged in transit", "api_refund": True,
                                   "meta_data": [{"key": REFUND_KEY, "value": "rf-7-1"}]}
    assert refund["id"] == recorded["resource"]["id"] and refund["amount"] == "10.00"
    assert shop.orders[7]["refunds"][-1]["total"] == "-10.00"


def test_a_refund_of_line_items_sends_them_as_woocommerce_takes_them(api, shop):
    lines = [{"id": 70, "quantity": 1, "refund_total": 12.5, "refund_tax": []}]
    api.refund(7, amount="12.50", line_items=lines, reason="", idempotency_key="rf-7-2")
    assert shop.refunds[0]["request"]["line_items"] == lines


def test_a_refund_the_store_fails_on_is_not_sent_again(api, shop, waits):
    shop.fail_next(500)
    with pytest.raises(StoreApiError) as caught:
        api.refund(7, amount="10.00", line_items=None, reason="", idempotency_key="rf-7-3")
    assert (len(shop.calls("POST")), waits, caught.value.retryable) == (1, [], False)
    assert caught.value.message.startswith("The store had an error (HTTP 500) and may have made the change: check "
                                           "the order in WooCommerce before trying again")


def test_a_refund_woocommerce_refuses_says_why(api, shop):
    with pytest.raises(StoreApiError) as caught:
        api.refund(7, amount="9999.00", line_items=None, reason="", idempotency_key="rf-7-4")
    assert caught.value.message == "WooCommerce refused: Invalid refund amount."
    assert (caught.value.retryable, shop.refunds) == (False, [])


def test_a_refund_that_times_out_is_not_sent_again_and_says_to_check(shop, waits):
    shop.delay = 30
    with WooCommerceApi(shop.url, shop.consumer_key, shop.consumer_secret, timeout=0.2, sleep=waits.append) as api:
        with pytest.raises(StoreApiError) as caught:
            api.refund(7, amount="1.00", line_items=None, reason="", idempotency_key="rf-7-5")
    assert len(shop.requests) == 1 and waits == [] and not caught.value.retryable
    assert caught.value.message.startswith("The store did not answer within 0.2 s; the change may have been made")


def test_an_order_is_cancelled_and_the_call_may_be_repeated(api, shop, waits):
    shop.fail_next(502)
    assert api.cancel(8)["status"] == "cancelled"
    assert shop.orders[8]["status"] == "cancelled" and waits == [0.5]
    assert shop.calls("PUT")[-1].body == {"status": "cancelled"}


def test_cancelling_an_unknown_order_says_so(api):
    with pytest.raises(StoreApiError) as caught:
        api.cancel(99_999)
    assert (caught.value.message, caught.value.status) == ("WooCommerce has no such order (WooCommerce said: "
                                                           "Invalid ID.)", 404)


def test_the_order_details_are_sent_again_through_woocommerces_order_action(api, shop):
    assert api.resend_confirmation(9) == "send_order_details"
    address = generated_order(9)["billing"]["email"]
    assert shop.emails == [{"order_id": 9, "to": address, "template": "customer_invoice"}]
    assert shop.notes == []


def test_a_store_older_than_the_order_actions_sends_them_in_a_note_to_the_customer(waits):
    with FakeWooCommerce(generated_orders=10, order_actions=False) as old_shop, \
            WooCommerceApi(old_shop.url, old_shop.consumer_key, old_shop.consumer_secret, sleep=waits.append) as api:
        assert api.resend_confirmation(8) == "customer_note"
        [note] = old_shop.notes
    assert note["order_id"] == 8 and note["customer_note"] is True and old_shop.emails == []


def test_sending_the_details_is_not_repeated_when_the_store_fails(api, shop, waits):
    shop.fail_next(503)
    with pytest.raises(StoreApiError):
        api.resend_confirmation(8)
    assert (len(shop.requests), waits, shop.emails, shop.notes) == (1, [], [], [])
