"""Canned responses in a real browser: an admin adds one in Settings, an agent types "/" and part of
a shortcut in a demo conversation, picks a response with the keyboard, sees it filled for the
customer in the reply box, sends it, and it appears in the conversation. axe on both pages."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.test_console import ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_PASSWORD, BEA_EMAIL, expect_live, sign_in

pytestmark = pytest.mark.browser

CUSTOMER = "Lena Fischer"  # the demo customer with an open chat, a mug (14.50 EUR) in her cart


def test_admin_adds_a_team_response_in_settings(page, artifacts, assert_accessible):
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Canned responses").click()
    expect(page).to_have_url(re.compile(r"/console/settings/canned-responses$"))
    expect(page.locator('[data-canned-row="shipping"]')).to_contain_text("Shipping times")

    shortcut = f"gift-{uuid.uuid4().hex[:6]}"
    form = page.locator("form", has=page.get_by_role("button", name="Save response"))
    form.get_by_label("Title").fill("Gift wrapping")
    form.get_by_label("Shortcut").fill(shortcut)
    form.get_by_label("Text").fill("Hi {{customer.age}}")
    form.get_by_role("button", name="Save response").click()
    expect(page.locator(".field__error")).to_contain_text("Unknown placeholder {{customer.age}}")
    expect(form.get_by_label("Text")).to_have_value("Hi {{customer.age}}")  # nothing typed is lost

    form.get_by_label("Text").fill("Hi {{customer.first_name|there}}, we gift-wrap for free at {{shop.name}}.")
    form.get_by_role("button", name="Save response").click()
    expect(page.get_by_role("status").filter(has_text=f"Type /{shortcut}")).to_be_visible()
    expect(page.locator(f'[data-canned-row="{shortcut}"]')).to_contain_text("Gift wrapping")
    assert_accessible(page)
    page.screenshot(path=artifacts / "canned-settings.png", full_page=True)


def test_agent_inserts_a_canned_response_with_slash_and_sends_it(page, artifacts, assert_accessible):
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name=CUSTOMER, exact=True).click()
    expect(page.locator("[data-conversation][data-joined]")).to_have_count(1)
    expect_live(page)
    sent_before = page.locator(".message--agent").count()

    reply = page.get_by_label("Reply")
    reply.press_sequentially("/car")
    listbox = page.get_by_role("listbox", name="Canned responses")
    expect(listbox.get_by_role("option").first).to_contain_text("Cart help")
    expect(reply).to_have_attribute("aria-activedescendant", re.compile(r"^canned-option-\d+$"))
    expect(page.locator("[data-canned-status]")).to_contain_text("up and down arrows choose")
    assert_accessible(page)  # with the list open
    page.screenshot(path=artifacts / "canned-picker.png", full_page=True)

    chosen = listbox.get_by_role("option", name=re.compile("Cart help"))
    reply.press("ArrowDown")  # away (or round, with one match) and back: the keyboard moves the choice
    reply.press("ArrowUp")
    expect(chosen).to_have_attribute("aria-selected", "true")
    expect(reply).to_have_attribute("aria-activedescendant", chosen.get_attribute("id"))
    reply.press("Enter")

    expect(listbox).to_be_hidden()
    expect(reply).to_have_value(re.compile(r"^Hi Lena, I can see your cart \(14\.50 EUR\)\. Is anything stopping you"))
    expect(page.locator("[data-canned-status]")).to_contain_text("Inserted “Cart help”: check it, then send.")
    assert page.locator(".message--agent").count() == sent_before  # nothing is sent by itself
    text = reply.input_value()

    reply.press("Enter")  # the composer's own Enter-sends
    expect(page.locator(".message--agent").last).to_contain_text("Hi Lena, I can see your cart (14.50 EUR).")
    expect(reply).to_have_value("")
    assert page.locator(".message--agent").last.locator(".message__body").inner_text() == text
    page.screenshot(path=artifacts / "canned-sent.png", full_page=True)


def test_the_button_opens_a_searchable_list_and_escape_closes_it(page):
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name=CUSTOMER, exact=True).click()
    reply = page.get_by_label("Reply")
    reply.fill("Thanks for waiting.")  # the response is joined with a space
    page.get_by_role("button", name="Canned responses").click()
    search = page.get_by_role("combobox", name="Search canned responses")
    expect(search).to_be_focused()
    search.press_sequentially("warehouse")  # Bea's own response
    option = page.get_by_role("listbox", name="Canned responses").get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("Mine")
    search.press("Enter")
    expect(reply).to_have_value(re.compile(r"^Thanks for waiting\. Let me check that with our warehouse\. .* – Bea$"))
    expect(reply).to_be_focused()

    page.get_by_role("button", name="Canned responses").click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox", name="Canned responses")).to_be_hidden()
    expect(page.get_by_role("button", name="Canned responses")).to_be_focused()
    expect(page.get_by_role("button", name="Canned responses")).to_have_attribute("aria-expanded", "false")
