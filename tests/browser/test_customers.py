"""Customers in a real browser: the live customer page (the Done test of issue #3), the list,
accessibility, phones, escaping through the live swap, and erasure seen by a watching agent."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.test_console import ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_PASSWORD, BEA_EMAIL, expect_live, sign_in
from tests.support.live_server import flask_cli
from tests.support.shop_events import (
    KETTLE,
    MUG,
    TEA,
    cart_updated,
    event,
    order_placed,
    visitor_journey,
)

pytestmark = pytest.mark.browser

LIVE_MS = 5_000  # the Done test: the page shows the change within 5 s, without a reload
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def api_key(live_server) -> str:
    """A key made with the real CLI, as the shop's developer would."""
    output = flask_cli(live_server.env, "helpdesk", "create-api-key", "--name", f"browser-{uuid.uuid4().hex[:6]}")
    return output.strip().splitlines()[-1]


def send(live_server, api_key: str, *events: dict) -> None:
    """POST events to /api/v1/events as the shop's server does."""
    response = requests.post(
        live_server.url + "/api/v1/events", json={"batch": list(events)},
        headers={"Authorization": f"Bearer {api_key}"}, timeout=10,
    )
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == len(events), response.text


def new_customer(live_server, api_key: str, name: str) -> tuple[str, str]:
    """A visitor from an ad who then signs in (acquisition); returns (external id, email)."""
    external_id = f"cust-{uuid.uuid4().hex[:8]}"
    email = f"{external_id}@example.com"
    send(live_server, api_key, *visitor_journey(external_id, email=email, name=name, minutes_ago=2 * 24 * 60))
    return external_id, email


def open_customer(page, email: str, name: str) -> None:
    """Customers › search by email › the customer's page, as an agent would get there."""
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Customers").click()
    page.get_by_label("Name or email").fill(email)
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def expect_watching(page) -> None:
    """customers.js has joined the customer's room (acked watch_customer)."""
    expect_live(page)
    expect(page.locator("[data-customer-live][data-watching]")).to_have_count(1)


def test_agent_sees_the_cart_appear_and_the_stage_move_without_reloading(page, live_server, api_key, artifacts):
    external_id, email = new_customer(live_server, api_key, "Mia Novak")
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    open_customer(page, email, "Mia Novak")
    current_step = page.locator('.customer-stage [aria-current="step"]')
    expect(current_step).to_contain_text("Acquisition")
    expect(page.locator("#customer-cart")).to_contain_text("No cart yet.")
    expect_watching(page)
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

    send(live_server, api_key, cart_updated(external_id, MUG, TEA))
    cart = page.locator("#customer-cart")
    expect(cart).to_contain_text("Blue enamel mug", timeout=LIVE_MS)
    expect(cart).to_contain_text("33.90 EUR")
    expect(cart.locator("time[data-relative]")).to_have_text(re.compile(r"now|second|minute"))
    expect(page.locator("[data-customer-announcer]")).to_have_text("Customer updated")
    expect(current_step).to_contain_text("Acquisition")

    send(live_server, api_key, order_placed(external_id, f"{external_id}-1001", MUG, TEA))
    expect(current_step).to_contain_text("Conversion", timeout=LIVE_MS)
    expect(page.locator(".customer-stage")).to_contain_text("inside the 30-day window → conversion")
    expect(page.locator("#customer-orders")).to_contain_text(f"{external_id}-1001")
    expect(page.locator("#customer-history")).to_contain_text("Conversion")
    assert page.evaluate("() => window.sameDocument") is True, "the page reloaded"
    page.screenshot(path=artifacts / "customer-live.png", full_page=True)


def _rich_customer(live_server, api_key: str, name: str) -> tuple[str, str]:
    """A customer with a history over several days: visits, a review, two orders, a full cart."""
    external_id, email = new_customer(live_server, api_key, name)
    day = 24 * 60
    send(
        live_server, api_key,
        event("product_viewed", customer_id=external_id, minutes_ago=2 * day - 30, sku="KET-STEEL",
              name="Stovetop kettle"),
        order_placed(external_id, f"{external_id}-0991", KETTLE, minutes_ago=2 * day - 45),
        event("page_viewed", customer_id=external_id, minutes_ago=day, url="https://shop.test/help/shipping",
              title="Shipping times"),
        event("review_submitted", customer_id=external_id, minutes_ago=day - 60, rating=5, sku="KET-STEEL"),
        order_placed(external_id, f"{external_id}-1002", MUG, TEA, minutes_ago=90),
        cart_updated(external_id, MUG, TEA, KETTLE, minutes_ago=12),
    )
    return external_id, email


def test_customer_pages_are_accessible_and_look_right(page, live_server, api_key, artifacts, assert_accessible):
    _, email = _rich_customer(live_server, api_key, "Hana Kobayashi")
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/console/customers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    expect_live(page)
    assert_accessible(page)
    page.screenshot(path=artifacts / "customers-list.png", full_page=True)

    open_customer(page, email, "Hana Kobayashi")
    expect_watching(page)
    expect(page.locator('.customer-stage [aria-current="step"]')).to_contain_text("Retention")
    assert_accessible(page)
    page.screenshot(path=artifacts / "customer-page.png", full_page=True)

    # The sidebar panel, as chat and tickets will embed it (340 px wide).
    customer_id = page.locator("[data-customer-id]").first.get_attribute("data-customer-id")
    page.evaluate(
        """async (url) => {
            const html = await (await fetch(url)).text();
            const holder = document.createElement("div");
            holder.id = "panel-preview";
            holder.style.width = "340px";
            const panel = new DOMParser().parseFromString(html, "text/html").querySelector(".customer-panel");
            holder.appendChild(document.importNode(panel, true));
            document.querySelector("main").appendChild(holder);
        }""",
        f"/console/customers/{customer_id}/panel",
    )
    panel = page.locator("#panel-preview")
    expect(panel.locator('[aria-current="step"]')).to_contain_text("Retention")
    panel.screenshot(path=artifacts / "customer-panel.png")

    page.get_by_role("link", name="Erase customer…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase Hana Kobayashi")
    assert_accessible(page)
    page.screenshot(path=artifacts / "customer-erase.png", full_page=True)


def test_customer_page_fits_a_phone(new_page, live_server, api_key, artifacts, assert_accessible):
    _, email = _rich_customer(live_server, api_key, "Jonas Weber-Lindqvist")
    phone = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    sign_in(phone, BEA_EMAIL, AGENT_PASSWORD)
    open_customer(phone, email, "Jonas Weber-Lindqvist")
    expect_watching(phone)
    phone.screenshot(path=artifacts / "customer-mobile.png", full_page=True)
    scroll_width, inner_width = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert (scroll_width, inner_width) == (390, 390), f"the page scrolls sideways on a phone: {scroll_width=}"
    assert_accessible(phone)


def test_markup_sent_by_the_shop_stays_text_through_a_live_update(page, live_server, api_key):
    external_id, email = new_customer(live_server, api_key, XSS)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    page.goto(f"/console/customers?q={email}")
    page.get_by_role("link", name=XSS).click()
    expect_watching(page)

    send(live_server, api_key, cart_updated(external_id, ("SKU-X", XSS, 1, "1.00")))
    expect(page.locator("#customer-cart")).to_contain_text(XSS, timeout=LIVE_MS)
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS)
    assert page.locator("img[src='x']").count() == 0, "customer data was rendered as markup"
    assert dialogs == []


def test_a_watching_agent_learns_when_an_admin_erases_the_customer(page, new_page, live_server, api_key):
    _, email = new_customer(live_server, api_key, "Erik Olsen")
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    open_customer(page, email, "Erik Olsen")
    expect_watching(page)

    admin = new_page()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_customer(admin, email, "Erik Olsen")
    admin.get_by_role("link", name="Erase customer…").click()
    admin.get_by_label("Type to confirm").fill(email)
    admin.get_by_role("button", name="Erase customer").click()
    expect(admin.get_by_role("status").filter(has_text="erased")).to_be_visible()

    expect(page.locator("[data-customer-gone]")).to_have_text(re.compile("no longer exists"), timeout=LIVE_MS)
    assert page.goto(page.url).status == 404
