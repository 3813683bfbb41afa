"""Issue #20's Done test in a real browser: an admin connects a (fake) Shopify store in Settings ›
Store; its history is imported with each customer in the right stage; the store's signed
webhooks change what an agent watching the customer sees, without a reload; the agent refunds one
line from the sidebar and the store records it. Then the same with WooCommerce: an order webhook,
a guest found by email, a refund from the sidebar."""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from app.services.stores import shopify, woocommerce
from tests.browser.test_console import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in
from tests.browser.test_customers import api_key  # noqa: F401  (the module's API key fixture)
from tests.support.fake_shopify import FakeShopify
from tests.support.fake_woocommerce import FakeWooCommerce

pytestmark = pytest.mark.browser

PAYLOADS = Path(__file__).parents[1] / "stores" / "payloads"
SHOPIFY_ORDER = json.loads((PAYLOADS / "shopify_order.json").read_text())
WOO_GUEST_ORDER = json.loads((PAYLOADS / "woocommerce_guest_order.json").read_text())
LIVE_MS = 5_000
IMPORT_S = 30


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _card(page, shop: str):
    """The store's own card in Settings › Store (the tests share a server: other stores are there too)."""
    return page.locator(f'[data-store="{shop}"]')


def _wait_for_import(page, shop: str) -> None:
    """The store's import line says done: the page follows an import under way by itself."""
    line = _card(page, shop).locator("[data-store-import]")
    expect(line).not_to_have_attribute("data-store-import", re.compile("^(queued|running)$"), timeout=IMPORT_S * 1000)
    expect(line).to_have_attribute("data-store-import", "done")


def _connect(page, platform: str, shop: str, secret: str, api_url: str, **credentials: str) -> None:
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Store").click()
    form = page.locator("form[data-store-form]")
    form.get_by_label("Shopify" if platform == "shopify" else "WooCommerce", exact=True).check()
    form.get_by_label("Store address").fill(shop)
    form.get_by_label("Webhook signing secret").fill(secret)
    for label, value in credentials.items():
        form.get_by_label(label).fill(value)
    form.get_by_text("Advanced", exact=True).click()
    form.get_by_label("API address").fill(api_url)
    form.get_by_role("button", name="Connect store").click()
    expect(page.locator(".flashes")).to_contain_text("connected")


def _profile(live_server, key: str, customer_id: str) -> dict:
    response = requests.get(f"{live_server.url}/api/v1/customers/{customer_id}",
                            headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _ticket_for(live_server, key: str, customer_id: str) -> int:
    response = requests.post(f"{live_server.url}/api/v1/tickets", timeout=10,
                             headers={"Authorization": f"Bearer {key}"},
                             json={"subject": "Where is my order?", "body": "It has not arrived.",
                                   "customer_id": customer_id})
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def _refund_one_line(page, item_name: str) -> None:
    """From the ticket's customer sidebar: Actions › one of the item › review › refund now."""
    page.locator("[data-order-actions]").first.click()
    page.get_by_label(re.compile(rf"^How many {re.escape(item_name)} \(")).first.fill("1")
    page.get_by_role("button", name="Review refund of these items").click()
    expect(page.locator("[data-plan-summary]")).to_contain_text(f"Refund 1 × {item_name}")
    page.get_by_role("button", name="Refund now").click()
    expect(page.locator(".flashes")).to_contain_text(f"Refunded 1 × {item_name}")


def test_done_a_shopify_store_connected_in_settings_feeds_what_the_agent_sees(page, live_server, api_key):  # noqa: F811
    run = uuid.uuid4().hex[:6]
    shop, secret, token = f"tea-{run}.myshopify.com", f"whsec_{run}_0123456789", f"shpat_{run}_token"
    now = datetime.now(UTC)
    hana_id = 880_000 + int(run, 16) % 10_000
    hana = {"id": hana_id, "email": f"hana-{run}@example.com", "first_name": "Hana", "last_name": "Old",
            "phone": None, "state": "enabled", "created_at": _iso(now - timedelta(days=90)),
            "updated_at": _iso(now - timedelta(days=90))}
    history = [copy.deepcopy(SHOPIFY_ORDER) | {"id": hana_id * 10 + n, "name": f"#H{n}", "customer": hana,
                                                "email": hana["email"], "cart_token": None, "refunds": [],
                                                "created_at": _iso(now - timedelta(days=days)),
                                                "updated_at": _iso(now - timedelta(days=days))}
               for n, days in ((1, 60), (2, 10))]
    with FakeShopify(token=token, orders=history, customers=[hana], domain=shop) as fake:
        sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
        _connect(page, "shopify", shop, secret, fake.url, **{"Admin API access token (Shopify)": token})
        webhook_url = _card(page, shop).locator("[data-webhook-url]").input_value()
        assert webhook_url.endswith("/webhooks/shopify")
        _card(page, shop).get_by_role("button", name="Check connection").click()
        expect(page.locator(".flashes")).to_contain_text("Connected to Tea & Things")

        # The import gives the history's customer the stage she is in now, reached as it happened.
        _wait_for_import(page, shop)
        profile = _profile(live_server, api_key, str(hana_id))
        # two orders worth 806.00 make a loyal customer under the default rules; the first made her a buyer
        assert profile["order_count"] == 2 and profile["stage"] == "loyalty", profile["stage_reason"]
        assert "conversion" in [t["to_stage"] for t in profile["stage_history"]]

        def deliver(topic: str, payload: dict) -> None:
            body = json.dumps(payload).encode()
            response = requests.post(f"{live_server.url}/webhooks/shopify", data=body, timeout=10, headers={
                "Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": shop,
                "X-Shopify-Webhook-Id": uuid.uuid4().hex, "X-Shopify-Hmac-Sha256": shopify.signature(body, secret)})
            assert response.status_code == 200, response.text

        # A new customer signs up at the store; an agent opens her ticket and watches.
        customer_id = 990_000 + int(run, 16) % 10_000
        buyer = copy.deepcopy(SHOPIFY_ORDER["customer"]) | {"id": customer_id, "email": f"jo-{run}@example.com",
                                                           "first_name": "Jo", "last_name": run,
                                                           "updated_at": _iso(now - timedelta(minutes=5))}
        deliver("customers/create", buyer)
        ticket = _ticket_for(live_server, api_key, str(customer_id))
        page.goto(f"/console/tickets/{ticket}")
        sidebar = page.locator(".customer-panel")
        expect(sidebar).to_contain_text(f"Jo {run}")
        expect(sidebar.locator("[aria-current=step]")).to_contain_text("Acquisition")

        cart_token = f"cart-{run}"
        item = SHOPIFY_ORDER["line_items"][0]
        deliver("carts/update", {"id": cart_token, "token": cart_token, "updated_at": _iso(now - timedelta(minutes=3)),
                                 "created_at": _iso(now - timedelta(minutes=4)), "line_items": [item]})
        deliver("checkouts/create", {"id": 1, "token": f"chk-{run}", "cart_token": cart_token, "email": buyer["email"],
                                     "customer": buyer, "currency": "EUR", "total_price": item["price"],
                                     "created_at": _iso(now - timedelta(minutes=2)),
                                     "updated_at": _iso(now - timedelta(minutes=2)), "line_items": [item]})
        expect(sidebar).to_contain_text(item["title"], timeout=LIVE_MS)  # the cart, joined by its token

        order = copy.deepcopy(SHOPIFY_ORDER) | {"id": customer_id * 10, "name": f"#{run}", "customer": buyer,
                                                "email": buyer["email"], "cart_token": f"other-{run}", "refunds": [],
                                                "created_at": _iso(now - timedelta(minutes=1)),
                                                "updated_at": _iso(now - timedelta(minutes=1))}
        fake.orders.append(copy.deepcopy(order))
        deliver("orders/create", order)
        expect(sidebar.locator("[aria-current=step]")).to_contain_text("Conversion", timeout=LIVE_MS)
        expect(sidebar).to_contain_text(f"#{run}", timeout=LIVE_MS)
        deliver("refunds/create", {"id": customer_id * 100, "order_id": order["id"], "created_at": _iso(now),
                                   "note": "late", "refund_line_items": [],
                                   "transactions": [{"id": 1, "kind": "refund", "status": "success",
                                                     "amount": "5.00"}]})
        expect(sidebar).to_contain_text("Refunded 5.00 EUR", timeout=LIVE_MS)

        # The agent refunds one line from the sidebar; the store records it.
        _refund_one_line(page, item["title"])
        assert fake.refunded_lines(order["id"]) == {item["id"]: 1}
        expect(page).to_have_url(re.compile(rf"/console/tickets/{ticket}$"))
        expect(page.locator(".thread, main")).to_contain_text("via the store: Refunded 1 ×")


def test_done_a_woocommerce_guest_order_is_found_by_email_and_refunded_from_the_sidebar(
        page, live_server, api_key):  # noqa: F811
    run = uuid.uuid4().hex[:6]
    site, secret = f"https://shop-{run}.example", f"wc-{run}-secret"
    with FakeWooCommerce() as fake:
        sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
        _connect(page, "woocommerce", site, secret, fake.url + "/wp-json/wc/v3",
                 **{"Consumer key (WooCommerce)": fake.consumer_key,
                    "Consumer secret (WooCommerce)": fake.consumer_secret})
        email = f"guest-{run}@example.com"
        order = copy.deepcopy(WOO_GUEST_ORDER) | {"id": 70_000 + int(run, 16) % 10_000, "number": run,
                                                  "date_created_gmt": _iso(datetime.now(UTC))[:-1],
                                                  "date_modified_gmt": _iso(datetime.now(UTC))[:-1], "refunds": []}
        order["billing"] = order["billing"] | {"email": email}
        fake.add_order(copy.deepcopy(order))
        body = json.dumps(order).encode()
        response = requests.post(f"{live_server.url}/webhooks/woocommerce", data=body, timeout=10, headers={
            "Content-Type": "application/json", "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Source": site + "/", "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "created",
            "X-WC-Webhook-ID": "3", "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
            "X-WC-Webhook-Signature": woocommerce.signature(body, secret)})
        assert response.status_code == 200, response.text

        found = requests.get(f"{live_server.url}/api/v1/customers", params={"email": email}, timeout=10,
                             headers={"Authorization": f"Bearer {api_key}"}).json()["results"]
        assert len(found) == 1 and found[0]["orders"][0]["order_id"] == str(order["id"])
        ticket = _ticket_for(live_server, api_key, found[0]["customer_id"])
        page.goto(f"/console/tickets/{ticket}")
        item = order["line_items"][0]
        _refund_one_line(page, item["name"])
        [refund] = [r["request"] for r in fake.refunds if r["order_id"] == order["id"]]
        assert refund["line_items"][0]["id"] == item["id"] and refund["line_items"][0]["quantity"] == 1
