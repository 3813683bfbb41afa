"""Proactive outreach in a real browser (issue #7's "Done means"): an admin writes an idle-cart rule
in Settings › Outreach; a signed-in shopper with a loaded cart idles on the demo shop's checkout;
the message pops up over the launcher; the shopper answers; the agent sees the conversation with
the cart and the rule that started it; the shopper places the order; the rule's report counts one
conversion. A second visitor, in the rule's holdout, sees nothing and is counted in the holdout."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import UTC, datetime

import pytest
import requests
from playwright.sync_api import expect

from app.services.outreach.audience import Rule, in_holdout
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_demo_shop import ADMIN, Shopper, _console_as_admin, demo  # noqa: F401  (this module's demo shop)
from tests.browser.test_live_chat import RECORD_NOTIFICATIONS

pytestmark = pytest.mark.browser

RULE = "Idle cart on checkout (browser test)"
MESSAGE = "Your cart of {{cart.total}} is waiting. Any questions before you check out?"
SHOWN = "Your cart of 23.80 EUR is waiting. Any questions before you check out?"
ANSWER = "Do you ship to Porto by Friday?"
IDLE_SECONDS = 10  # the shortest wait a cart_idle rule takes


def _rows(demo, sql: str, *args):  # noqa: F811
    with sqlite3.connect(demo.database) as db:
        return db.execute(sql, args).fetchall()


def _create_rule(page, demo, assert_accessible) -> int:  # noqa: F811
    page.goto("/console/settings/outreach")
    page.get_by_role("link", name="New rule").click()
    expect(page.get_by_label("Name", exact=True)).to_be_visible()  # the new rule's page, not the list's
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill(RULE)
    page.get_by_label("Priority", exact=True).fill("100")
    page.get_by_label("Cart unchanged while on the site").check()
    page.get_by_label("Wait in seconds").fill(str(IDLE_SECONDS))
    page.get_by_label("Page pattern").fill("/checkout$")
    page.get_by_label("Cart value at least").fill("10")
    page.get_by_label("Message in the chat widget").check()
    page.get_by_label("Message", exact=True).fill(MESSAGE)
    page.get_by_label("Holdout percent").fill("50")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Outreach rule saved.")).to_be_visible()
    [(rule_id,)] = _rows(demo, "SELECT id FROM outreach_rules WHERE name = ?", RULE)
    return rule_id


def _split_holdout(rule_id: int, treated: int, held: int) -> str:
    """A seed that puts `held` in the rule's holdout and `treated` out of it."""
    for n in range(10_000):
        rule = Rule(rule_id, RULE, 100, {}, {}, {}, 50, f"browser-{n}", 24, False, None, None)
        if in_holdout(rule, held) and not in_holdout(rule, treated):
            return rule.holdout_seed
    raise AssertionError("no seed splits the two visitors")


def _loaded_cart(shop: Shopper) -> None:
    page = shop.page
    shop.step(lambda: page.goto("/products/TEA-ASSAM"), "/products/TEA-ASSAM")
    page.get_by_label("Quantity").fill("2")
    shop.step(lambda: page.get_by_role("button", name="Add to cart").click(), "/cart")
    expect(page.locator("[data-cart-total]")).to_have_text("€23.80")


def _decisions(demo, rule_id: int, count: int) -> dict[int, str]:  # noqa: F811
    """The rule's outcome for each customer, once it has decided for `count` of them (the idle
    timers of two visitors end at about the same time, not at once)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        decided = dict(_rows(demo, "SELECT customer_id, outcome FROM outreach_decisions WHERE rule_id = ?", rule_id))
        if len(decided) >= count or time.monotonic() > deadline:
            return decided
        time.sleep(0.2)


def _profile_of(demo, page) -> int:  # noqa: F811
    anonymous_id = page.evaluate("() => localStorage.getItem('helpdesk_anonymous_id')")
    [(customer_id,)] = _rows(demo, "SELECT customer_id FROM anonymous_visitors WHERE anonymous_id = ?", anonymous_id)
    return customer_id


def test_an_idle_cart_gets_a_message_the_answer_is_a_conversation_and_the_order_a_conversion(
        browser, demo, artifacts, assert_accessible):  # noqa: F811
    admin_context, admin = _console_as_admin(browser, demo)
    rule_id = _create_rule(admin, demo, assert_accessible)

    # Mia signs in on the shop and fills her cart; another visitor fills theirs anonymously.
    mia_context = browser.new_context(base_url=demo.shop_url, viewport={"width": 1280, "height": 800})
    mia_context.set_default_timeout(TIMEOUT_MS)
    mia = Shopper(mia_context.new_page(), demo.shop_url)
    mia.step(lambda: mia.page.goto("/sign-in"), "/sign-in")
    mia.step(lambda: mia.page.get_by_role("button", name="Sign in as Mia").click(), "/")
    _loaded_cart(mia)
    other_context = browser.new_context(base_url=demo.shop_url)
    other_context.set_default_timeout(TIMEOUT_MS)
    other = Shopper(other_context.new_page(), demo.shop_url)
    _loaded_cart(other)

    # The rule's holdout is random per visitor; this seed makes the second visitor the held-out one.
    mia_id, other_id = _profile_of(demo, mia.page), _profile_of(demo, other.page)
    with sqlite3.connect(demo.database) as db:
        db.execute("UPDATE outreach_rules SET holdout_seed = ? WHERE id = ?",
                   (_split_holdout(rule_id, mia_id, other_id), rule_id))
    admin.goto(f"/console/settings/outreach/{rule_id}")
    admin.get_by_role("button", name="Save rule").click()  # saved again: every engine reloads the rule
    expect(admin.get_by_text("Outreach rule saved.")).to_be_visible()

    arrived = time.monotonic()
    mia.step(lambda: mia.page.goto("/checkout"), "/checkout")
    other.step(lambda: other.page.goto("/checkout"), "/checkout")

    # The message pops up over the launcher once the cart has been idle on the checkout page.
    popup = mia.page.get_by_role("button", name=re.compile("Your cart of 23.80 EUR is waiting"))
    expect(popup).to_be_visible(timeout=(IDLE_SECONDS + 8) * 1000)
    assert time.monotonic() - arrived >= IDLE_SECONDS - 1
    mia.page.screenshot(path=artifacts / "outreach-1-popup.png")
    popup.click()
    chat = mia.page.frame_locator('iframe[title="Chat"]')
    expect(chat.locator(".msg[data-offer] .msg__body")).to_have_text(SHOWN)
    chat.get_by_label("Your message").fill(ANSWER)
    chat.get_by_role("button", name="Send").click()
    expect(chat.locator(".msg--mine[data-seq]")).to_have_count(1)
    expect(chat.locator(".msg--team[data-seq] .msg__body")).to_have_text(SHOWN)  # now the chat's first message
    mia.page.screenshot(path=artifacts / "outreach-2-answered.png")

    # The agent sees the conversation, the cart, and the rule that started it.
    [(conversation_id, channel)] = _rows(demo, "SELECT id, channel FROM conversations WHERE customer_id = ?", mia_id)
    assert channel == "proactive"
    admin.goto(f"/console/inbox/{conversation_id}")
    expect(admin.locator("[data-outreach-rule]")).to_contain_text(RULE)
    expect(admin.get_by_text(ANSWER)).to_be_visible()
    expect(admin.get_by_text("23.80").first).to_be_visible()
    admin.screenshot(path=artifacts / "outreach-3-console.png", full_page=True)

    # The visitor in the holdout is counted there and, the rule having decided, sees nothing.
    assert _decisions(demo, rule_id, 2) == {mia_id: "shown", other_id: "held_out"}
    expect(other.page.get_by_role("button", name=re.compile("Your cart of"))).to_have_count(0)

    # Mia places the order: the report counts one conversion for the rule.
    mia.step(lambda: mia.page.get_by_role("button", name="Place order").click(), r"/orders/[\w-]+")
    expect(mia.page.locator("[data-order-id]")).to_be_visible()
    admin.goto(f"/console/settings/outreach/{rule_id}/report")
    expect(admin.locator('[data-stat="conversions"]')).to_have_text("1")
    expect(admin.locator('[data-group="treated"] td[data-label="Bought"]')).to_have_text("1")
    expect(admin.locator('[data-group="holdout"] td[data-label="Visitors"]')).to_have_text("1")
    expect(admin.locator('[data-group="holdout"] td[data-label="Bought"]')).to_have_text("0")
    expect(admin.locator("[data-decisions]")).to_contain_text("Held out")
    assert_accessible(admin)
    admin.screenshot(path=artifacts / "outreach-4-report.png", full_page=True)
    admin.goto("/console/settings/outreach/report")
    expect(admin.locator("[data-rules-report]")).to_contain_text(RULE)
    assert_accessible(admin)
    admin.goto(f"/console/customers/{mia_id}")
    expect(admin.locator("[data-outreach-decision]").filter(has_text=RULE)).to_contain_text("Why: cart unchanged")
    admin.screenshot(path=artifacts / "outreach-5-customer.png", full_page=True)
    assert mia.problems == [] and other.problems == []
    for context in (mia_context, other_context, admin_context):
        context.close()


def test_an_outreach_alert_reaches_the_console_and_the_desktop(browser, demo, artifacts):  # noqa: F811
    """The demo's "At-risk VIP is back" rule alerts agents when a flagged customer views a page: the
    card in the corner links to the customer, and an agent in another window gets a notification."""
    context = browser.new_context(base_url=demo.server.url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    context.set_default_timeout(TIMEOUT_MS)
    agent = context.new_page()
    problems = []
    agent.on("pageerror", lambda e: problems.append(str(e)))
    agent.goto("/console/login")
    agent.get_by_label("Email", exact=True).fill(ADMIN[0])
    agent.get_by_label("Password", exact=True).fill(ADMIN[1])
    agent.get_by_role("button", name="Sign in").click()
    agent.wait_for_url("**/console/")
    expect(agent.locator("[data-live-status].is-live")).to_be_visible()  # the console's socket is connected
    now = datetime.now(UTC).isoformat()
    batch = [{"id": "alert-test-visit", "type": "page_viewed", "customer_id": "cust-loyal", "timestamp": now,
              "properties": {"url": "https://demo.shop/teapots"}}]
    sent = requests.post(f"{demo.server.url}/api/v1/events", json={"batch": batch},
                         headers={"Authorization": f"Bearer {demo.api_key}"}, timeout=10)
    assert sent.status_code == 202 and sent.json()["accepted"] == 1
    card = agent.locator("[data-outreach-alert]")
    expect(card).to_contain_text("At-risk VIP Marta Silva is on the site: worth a hello.")
    link = card.get_by_role("link", name="Open Marta Silva")
    expect(link).to_have_attribute("href", re.compile(r"^/console/customers/\d+$"))
    agent.locator("[data-outreach-alerts]").screenshot(path=artifacts / "outreach-alert.png")
    notes = agent.evaluate("window.__notifications")
    assert ["At-risk VIP is back", "At-risk VIP Marta Silva is on the site: worth a hello. · Marta Silva"] in notes
    card.get_by_role("button", name="Dismiss alert").click()
    expect(card).to_have_count(0)
    # The same event again (a retry) alerts nobody twice: the helpdesk knows it (a duplicate), and
    # an event's outreach is decided and sent inside the request that first stores it.
    again = requests.post(f"{demo.server.url}/api/v1/events", json={"batch": batch},
                          headers={"Authorization": f"Bearer {demo.api_key}"}, timeout=10)
    assert again.status_code == 202 and (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)
    expect(card).to_have_count(0)
    assert problems == []
    context.close()
