"""The demo shop in a real browser, served as `make run` serves it (one gunicorn process, the shop on
a second port): a visitor browses, signs in and orders, and the helpdesk's API then knows them."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, AXE, TIMEOUT_MS, format_violations
from tests.support.live_server import ROOT, LiveServer, flask_cli, free_port, seeded_copy

pytestmark = pytest.mark.browser

WIDGET_EVENTS = "/api/v1/widget/events"
ADMIN = ("admin@demo.shop", "demo-admin-password")


class DemoShopServer(LiveServer):
    """`make run`'s command: demo_shop/gunicorn.conf.py binds PORT and DEMO_SHOP_PORT."""

    @staticmethod
    def _spawn(env: dict, log) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "demo_shop/gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )


@dataclass
class Demo:
    server: DemoShopServer
    shop_url: str
    api_key: str
    database: Path

    def customer(self, customer_id: str) -> requests.Response:
        return requests.get(f"{self.server.url}/api/v1/customers/{customer_id}",
                            headers={"Authorization": f"Bearer {self.api_key}"}, timeout=10)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, seeded_data):
    tmp = tmp_path_factory.mktemp("demo-shop")
    shop_port, port = free_port(), free_port()
    # The public URL is the server's own, so the links it makes (help center sign-in) open in the browser.
    env = seeded_copy(seeded_data, tmp, DEMO_SHOP_PORT=str(shop_port), HELPDESK_PUBLIC_URL=f"http://127.0.0.1:{port}")
    ARTIFACTS.mkdir(exist_ok=True)
    server = DemoShopServer(env, port=port, log_path=ARTIFACTS / "demo-shop-server.log")
    server.start()
    try:
        key = flask_cli(env, "helpdesk", "create-api-key", "--name", "Browser test").strip()
        yield Demo(server, f"http://127.0.0.1:{shop_port}", key, tmp / "helpdesk.db")
    finally:
        server.stop()


def _is_widget_post(response) -> bool:
    return response.url.endswith(WIDGET_EVENTS) and response.request.method == "POST"


def _viewed(request, path: str) -> bool:
    """Whether a batch of widget events holds the view of a page whose URL path matches `path`.

    The widget queues a page's calls and its page view in the same task and sends them as one batch,
    so the batch with the page's view is that page's batch."""
    return any(e["type"] == "page_viewed" and re.fullmatch(path, urlsplit(e["properties"].get("url", "")).path)
               for e in request.post_data_json.get("events", []))


@dataclass
class PageEvents:
    """One page's batch of widget events and the helpdesk's answer to it."""

    sent: dict  # the request's body: anonymous_id, customer_id and user_hash once signed in, events
    answer: dict

    @property
    def kinds(self) -> Counter:
        """The events sent, counted by type."""
        return Counter(e["type"] for e in self.sent["events"])

    @property
    def all_accepted(self) -> bool:
        """Every event of the batch stored, none a duplicate or refused."""
        return self.answer == {"accepted": len(self.sent["events"]), "duplicates": 0, "rejected": []}


class Shopper:
    """A page on the shop whose steps each wait for the events of the page they load."""

    def __init__(self, page, origin: str):
        self.page, self.origin = page, origin
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))

    def step(self, action, path: str) -> PageEvents:
        """Do something that loads the shop page at `path` (a regular expression for the URL's path)
        and wait for the helpdesk's answer to that page's events. Other batches answered meanwhile,
        such as the page before's, sent late as it was left, must be accepted too (202) but are
        not that page's: they are not waited for, and not counted."""
        seen = []

        def collect(response):
            if _is_widget_post(response):
                seen.append(response)

        self.page.on("response", collect)
        try:
            with self.page.expect_response(lambda r: _is_widget_post(r) and _viewed(r.request, path)) as answered:
                action()
        finally:
            self.page.remove_listener("response", collect)
        for response in seen:
            assert response.status == 202, response.url
            assert response.headers["access-control-allow-origin"] == self.origin
        # Still on the page that sent it: its answer's body is there to read.
        page_events = PageEvents(answered.value.request.post_data_json, answered.value.json())
        self.last_sent = page_events.sent
        return page_events


def test_a_visitor_browses_signs_in_and_orders_and_the_helpdesk_knows_them(browser, demo, artifacts):
    context = browser.new_context(base_url=demo.shop_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    shop = Shopper(page, demo.shop_url)

    catalogue = shop.step(lambda: page.goto("/?utm_source=newsletter&utm_medium=email&utm_campaign=spring"), "/")
    assert catalogue.kinds == {"page_viewed": 1} and catalogue.all_accepted
    expect(page.get_by_role("heading", level=1)).to_have_text("Loose-leaf tea and the things to brew it")
    anonymous_id = page.evaluate("() => localStorage.getItem('helpdesk_anonymous_id')")
    assert anonymous_id
    page.screenshot(path=artifacts / "demo-shop-1-catalogue.png", full_page=True)

    product = shop.step(lambda: page.get_by_role("link", name="Assam breakfast tea, 250 g").click(),
                        "/products/TEA-ASSAM")
    assert product.kinds == {"product_viewed": 1, "page_viewed": 1} and product.all_accepted
    expect(page.get_by_role("heading", level=1)).to_have_text("Assam breakfast tea, 250 g")
    page.get_by_label("Quantity").fill("2")
    cart = shop.step(lambda: page.get_by_role("button", name="Add to cart").click(), "/cart")
    assert cart.kinds == {"cart_updated": 1, "page_viewed": 1} and cart.all_accepted  # the whole cart, the view
    expect(page.locator("[data-cart-total]")).to_have_text("€23.80")
    page.screenshot(path=artifacts / "demo-shop-2-cart.png", full_page=True)

    checkout = shop.step(lambda: page.get_by_role("link", name="Checkout").click(), "/checkout")
    assert checkout.kinds == {"page_viewed": 1, "checkout_started": 1} and checkout.all_accepted
    sign_in = shop.step(lambda: page.get_by_role("link", name="Sign in to continue").click(), "/sign-in")
    assert sign_in.kinds == {"page_viewed": 1} and sign_in.all_accepted
    page.wait_for_url(re.compile(r"/sign-in\?next=(/|%2F)checkout$"))
    page.screenshot(path=artifacts / "demo-shop-3-sign-in.png", full_page=True)
    signed_in_at = datetime.now(UTC)
    # Back on the checkout, as Mia: counted by what they are, so a late batch of the sign-in page
    # (sent as it was left) cannot be taken for one of these.
    signed_in = shop.step(lambda: page.get_by_role("button", name="Sign in as Mia").click(), "/checkout")
    assert signed_in.kinds == {"identify": 1, "page_viewed": 1, "checkout_started": 1} and signed_in.all_accepted
    assert signed_in.sent["customer_id"] == "cust-1001"
    expect(page.locator("[data-signed-in]")).to_have_text("Mia Jensen")
    assert page.evaluate("() => localStorage.getItem('helpdesk_anonymous_id')") == anonymous_id

    profile = demo.customer("cust-1001").json()
    assert profile["email"] == "mia.jensen@example.com" and profile["stage"] == "acquisition"
    assert profile["cart"]["item_count"] == 2 and profile["cart"]["total"] == "23.80"
    assert profile["cart"]["items"][0]["sku"] == "TEA-ASSAM"
    page.screenshot(path=artifacts / "demo-shop-4-checkout.png", full_page=True)

    placed = shop.step(lambda: page.get_by_role("button", name="Place order").click(), r"/orders/[\w-]+")
    assert placed.kinds == {"order_placed": 1, "cart_updated": 1, "page_viewed": 1} and placed.all_accepted
    order_id = page.locator("[data-order-id]").inner_text()
    page.screenshot(path=artifacts / "demo-shop-5-order.png", full_page=True)

    profile = demo.customer("cust-1001").json()
    assert profile["stage"] == "conversion" and profile["order_count"] == 1
    assert [o["order_id"] for o in profile["orders"]] == [order_id]
    assert profile["orders"][0]["total"] == "23.80" and profile["orders"][0]["items"][0]["quantity"] == 2
    assert profile["cart"]["item_count"] == 0
    # The anonymous part of the visit is the customer's now: first seen, lead source, first stage.
    assert datetime.fromisoformat(profile["first_seen_at"]) < signed_in_at
    assert profile["lead_source"]["utm_source"] == "newsletter" and profile["lead_source"]["utm_campaign"] == "spring"
    first = profile["stage_history"][0]
    assert first["to_stage"] == "reach" and "anonymous visitor" in first["reason"]
    assert [t["to_stage"] for t in profile["stage_history"]] == ["reach", "acquisition", "conversion"]
    with sqlite3.connect(demo.database) as db:
        anonymous_views = db.execute(
            "SELECT count(*) FROM customer_events e JOIN customers c ON c.id = e.customer_id"
            " WHERE c.external_id = 'cust-1001' AND e.type = 'page_viewed' AND e.external_customer_id IS NULL"
            " AND e.anonymous_id = ?", (anonymous_id,),
        ).fetchone()[0]
    assert anonymous_views == 5  # catalogue, product, cart, checkout and sign-in, before signing in

    # Signing out: the next page belongs to a new anonymous visitor, not to Mia.
    shop.step(lambda: page.get_by_role("button", name="Sign out").click(), "/")
    assert "customer_id" not in shop.last_sent and shop.last_sent["anonymous_id"] != anonymous_id
    assert page.evaluate("() => sessionStorage.getItem('helpdesk_identity')") is None
    assert shop.problems == []
    context.close()


def test_a_forged_identity_is_refused_and_the_visitor_stays_anonymous(browser, demo):
    context = browser.new_context(base_url=demo.shop_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    shop = Shopper(page, demo.shop_url)
    shop.step(lambda: page.goto("/products/MUG-STONE"), "/products/MUG-STONE")
    with page.expect_response(lambda r: _is_widget_post(r) and r.status == 202) as retried:
        with page.expect_response(_is_widget_post) as refused:
            page.evaluate(
                "() => { Helpdesk.identify({customer_id: 'cust-1002', user_hash: '0'.repeat(64)});"
                " Helpdesk.track('size_guide_opened', {product: 'MUG-STONE'}); }"
            )
    assert refused.value.status == 403
    assert refused.value.json()["error"]["code"] == "identity_not_verified"
    # The rest of the batch is kept, as the anonymous visitor's.
    assert retried.value.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert any("identify refused" in p for p in shop.problems)
    assert page.evaluate("() => sessionStorage.getItem('helpdesk_identity')") is None
    assert demo.customer("cust-1002").status_code == 404
    context.close()


def _check_accessible_bypassing_csp(page) -> None:
    """axe-core, injected into a context that ignores the shop's CSP (it only allows the helpdesk)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe found serious/critical violations on {page.url}:\n{format_violations(bad)}"


def test_the_demo_shop_pages_are_accessible(browser, demo, artifacts):
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing; run `make app/static/vendor/axe.min.js`")
    context = browser.new_context(base_url=demo.shop_url, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    for path in ("/", "/products/KIT-STARTER", "/sign-in"):
        page.goto(path)
        _check_accessible_bypassing_csp(page)
    page.goto("/products/KIT-STARTER")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart")
    _check_accessible_bypassing_csp(page)
    page.goto("/checkout")
    _check_accessible_bypassing_csp(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/cart")
    page.screenshot(path=artifacts / "demo-shop-6-cart-phone.png", full_page=True)
    context.close()


def _console_as_admin(browser, demo):
    """A new browser context signed in to the helpdesk console as the demo admin."""
    context = browser.new_context(base_url=demo.server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/console/login")
    page.get_by_label("Email", exact=True).fill(ADMIN[0])
    page.get_by_label("Password", exact=True).fill(ADMIN[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")
    return context, page


def test_the_widget_settings_tab(browser, demo, artifacts, assert_accessible):
    context, page = _console_as_admin(browser, demo)
    page.goto("/console/settings/widget")
    expect(page.get_by_label("Script tag")).to_have_value(f'<script src="{demo.server.url}/widget.js" async></script>')
    expect(page.get_by_role("list").filter(has_text=demo.shop_url)).to_be_visible()
    secret = page.get_by_label("Secret", exact=True)
    expect(secret).to_be_hidden()
    page.get_by_text("Reveal the secret").click()
    expect(secret).to_be_visible()
    before = secret.input_value()
    assert len(before) == 64
    assert_accessible(page)
    page.screenshot(path=artifacts / "widget-settings.png", full_page=True)
    page.get_by_role("button", name="Rotate secret").click()
    expect(page.locator(".alert--success")).to_contain_text("previous one keeps working")
    page.get_by_text("Reveal the secret").click()
    assert page.get_by_label("Secret", exact=True).input_value() != before
    page.screenshot(path=artifacts / "widget-settings-rotated.png", full_page=True)
    context.close()


def test_an_agent_watches_a_shopper_live_from_the_demo_shop(browser, demo, artifacts):
    """The issue's Done test: identify, cart and order go from the demo shop through /widget.js;
    the agent on the customer's page sees the cart appear and the stage move, with no reload."""
    shop_context = browser.new_context(base_url=demo.shop_url)
    shop_context.set_default_timeout(TIMEOUT_MS)
    shop_page = shop_context.new_page()
    shop = Shopper(shop_page, demo.shop_url)
    shop.step(lambda: shop_page.goto("/sign-in"), "/sign-in")
    assert shop.step(lambda: shop_page.get_by_role("button", name="Sign in as Lena").click(), "/").all_accepted

    agent_context, agent = _console_as_admin(browser, demo)
    agent.get_by_role("navigation", name="Console").get_by_role("link", name="Customers").click()
    agent.get_by_label("Name or email").fill("lena.kowalski@example.com")
    agent.get_by_role("button", name="Apply filters").click()
    agent.get_by_role("link", name="Lena Kowalski", exact=True).click()
    expect(agent.locator("[data-customer-live][data-watching]")).to_have_count(1)
    stage = agent.locator('.customer-stage [aria-current="step"]')
    expect(stage).to_contain_text("Acquisition")
    agent.evaluate("() => { window.__sameDocument = true; }")

    shop.step(lambda: shop_page.goto("/"), "/")
    shop.step(lambda: shop_page.get_by_role("link", name="Assam breakfast tea, 250 g").click(), "/products/TEA-ASSAM")
    shop.step(lambda: shop_page.get_by_role("button", name="Add to cart").click(), "/cart")
    expect(agent.locator("#customer-cart")).to_contain_text("Assam breakfast tea", timeout=5_000)
    expect(stage).to_contain_text("Acquisition")

    shop.step(lambda: shop_page.get_by_role("link", name="Checkout").click(), "/checkout")
    shop.step(lambda: shop_page.get_by_role("button", name="Place order").click(), r"/orders/[\w-]+")
    expect(stage).to_contain_text("Conversion", timeout=5_000)
    expect(agent.locator("#customer-orders")).to_contain_text("Assam breakfast tea")
    assert agent.evaluate("() => window.__sameDocument === true"), "the agent's page reloaded"
    agent.screenshot(path=artifacts / "done-agent-watching-shopper.png", full_page=True)
    assert shop.problems == []
    shop_context.close()
    agent_context.close()
