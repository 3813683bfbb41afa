"""The demo shop without a browser: pages, cart, the fake sign-in and checkout, and the Helpdesk
calls each page hands to the widget (user_hash computed on the server)."""

from __future__ import annotations

import json
import re

import pytest

from app.services.access.widget_identity import sign
from demo_shop import create_shop
from demo_shop.serve import PortDispatcher, shop_origins
from tests.support.html import csrf_from

SECRET = "demo-shop-test-secret-" + "s" * 20
HELPDESK = "http://127.0.0.1:5999"
CALLS = re.compile(r'<script type="application/json" id="helpdesk-calls">(.*?)</script>', re.S)


@pytest.fixture
def shop():
    return create_shop(HELPDESK, lambda: SECRET, secret_key="test-key")


@pytest.fixture
def browser(shop):
    return shop.test_client()


def calls(response) -> list:
    return json.loads(CALLS.search(response.get_data(as_text=True)).group(1))


def tracked(response) -> dict:
    return {c[1]: c[2] for c in calls(response) if c[0] == "track"}


def post(browser, path: str, data: dict, page: str = "/sign-in"):
    token = csrf_from(browser.get(page).get_data(as_text=True)) if page else None
    return browser.post(path, data={**data, "csrf_token": token}, follow_redirects=True)


@pytest.mark.parametrize("path", ["/", "/products/TEA-ASSAM", "/cart", "/sign-in"])
def test_pages_embed_the_widget_under_a_strict_csp(browser, path):
    response = browser.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<script src="{HELPDESK}/widget.js" async></script>' in html
    csp = response.headers["Content-Security-Policy"]
    assert f"script-src 'self' {HELPDESK}" in csp and f"connect-src 'self' {HELPDESK}" in csp
    assert "'unsafe-inline'" not in csp and "style=" not in html
    assert re.findall(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html) == []


def test_a_product_page_reports_the_product_viewed(browser):
    viewed = tracked(browser.get("/products/TEA-SENCHA"))["product_viewed"]
    assert viewed["sku"] == "TEA-SENCHA" and viewed["price"] == "8.50"
    assert browser.get("/products/NOPE").status_code == 404


def test_adding_to_the_cart_sends_the_whole_cart_once(browser):
    post(browser, "/cart", {"sku": "TEA-SENCHA", "quantity": "2", "add": "1"}, page="/products/TEA-SENCHA")
    page = post(browser, "/cart", {"sku": "MUG-STONE", "quantity": "1", "add": "1"}, page="/products/MUG-STONE")
    cart = tracked(page)["cart_updated"]
    assert cart == {"currency": "EUR", "total": "31.00", "items": [
        {"sku": "TEA-SENCHA", "name": "Sencha green tea, 100 g", "quantity": 2, "unit_price": "8.50"},
        {"sku": "MUG-STONE", "name": "Stoneware mug, 300 ml", "quantity": 1, "unit_price": "14.00"},
    ]}
    assert "cart_updated" not in tracked(browser.get("/cart"))  # a reload does not resend it


def test_setting_a_quantity_to_zero_removes_the_line(browser):
    post(browser, "/cart", {"sku": "TEA-SENCHA", "quantity": "2", "add": "1"})
    page = post(browser, "/cart", {"sku": "TEA-SENCHA", "quantity": "0"}, page="/cart")
    assert tracked(page)["cart_updated"]["items"] == []


def test_forms_need_the_csrf_token(browser):
    assert browser.post("/cart", data={"sku": "TEA-SENCHA", "quantity": "1"}).status_code == 400


def test_sign_in_identifies_with_a_user_hash_made_on_the_server(browser):
    page = post(browser, "/sign-in", {"customer_id": "cust-1002", "next": "/cart"}, page="/sign-in")
    identify = next(c[1] for c in calls(page) if c[0] == "identify")
    assert identify == {"customer_id": "cust-1002", "user_hash": sign(SECRET, "cust-1002"),
                        "email": "omar.haddad@example.com", "name": "Omar Haddad"}
    assert SECRET not in page.get_data(as_text=True)
    assert page.request.path == "/cart"


@pytest.mark.parametrize("target", ["//evil.test/x", "https://evil.test/", "javascript:alert(1)", ""])
def test_sign_in_never_redirects_off_the_shop(browser, target):
    page = post(browser, "/sign-in", {"customer_id": "cust-1001", "next": target}, page="/sign-in")
    assert page.request.path == "/"


def test_checkout_needs_a_customer_then_places_a_fake_order(browser):
    post(browser, "/cart", {"sku": "POT-GLASS", "quantity": "1", "add": "1"})
    checkout = browser.get("/checkout")
    assert tracked(checkout)["checkout_started"]["total"] == "32.00"
    assert "Sign in to continue" in checkout.get_data(as_text=True)
    assert post(browser, "/checkout", {}).request.path == "/checkout"  # not signed in
    post(browser, "/sign-in", {"customer_id": "cust-1001", "next": "/checkout"}, page="/sign-in")
    done = post(browser, "/checkout", {}, page="/checkout")
    events = tracked(done)
    order = events["order_placed"]
    assert re.fullmatch(r"DEMO-[0-9A-F]{8}", order["order_id"]) and order["total"] == "32.00"
    assert events["cart_updated"]["items"] == []
    assert order["order_id"] in done.get_data(as_text=True)
    assert "order_placed" not in tracked(browser.get(done.request.path))  # a reload does not resend it


def test_sign_out_starts_a_new_anonymous_visitor(browser):
    post(browser, "/sign-in", {"customer_id": "cust-1003", "next": "/"}, page="/sign-in")
    page = post(browser, "/sign-out", {}, page="/")
    assert calls(page)[0] == ["reset"] and not any(c[0] == "identify" for c in calls(page))


def test_the_dispatcher_routes_by_the_listening_port_not_the_host_header(shop):
    seen = []

    def helpdesk(environ, start_response):
        seen.append("helpdesk")
        return []

    def shop_app(environ, start_response):
        seen.append("shop")
        return []

    dispatch = PortDispatcher(helpdesk, "5001", shop_app)
    dispatch({"SERVER_PORT": "5000", "HTTP_HOST": "127.0.0.1:5001"}, None)
    dispatch({"SERVER_PORT": "5001", "HTTP_HOST": "127.0.0.1:5000"}, None)
    assert seen == ["helpdesk", "shop"]
    assert shop_origins("5001") == ["http://127.0.0.1:5001", "http://localhost:5001"]
