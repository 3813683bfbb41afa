"""The help center's request form in Chromium: from the front page to a ticket, accessible."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_customer_submits_a_request_from_the_help_center(page, live_server, artifacts, assert_accessible):
    page.goto("/help/")
    page.get_by_role("main").get_by_role("link", name="Submit a request").click()
    expect(page).to_have_url(re.compile(r"/help/requests/new$"))
    assert_accessible(page)
    page.get_by_label("Your name").fill("Ines Duarte")
    page.get_by_label("Your email").fill("ines.duarte@example.com")
    page.get_by_label("Subject").fill("Mug arrived broken")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".field--invalid")).to_contain_text("Describe your question")  # the body is missing
    expect(page.get_by_label("Subject")).to_have_value("Mug arrived broken")  # kept
    page.get_by_label("How can we help?").fill("Order A-7: the stoneware mug came in pieces.")
    page.screenshot(path=artifacts / "help-request-form.png", full_page=True)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    expect(page.locator(".alert--success")).to_contain_text("ines.duarte@example.com")
    assert_accessible(page)
    with sqlite3.connect(live_server.env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT t.channel, t.subject, c.email FROM tickets t JOIN customers c"
                          " ON c.id = t.requester_id WHERE t.subject = 'Mug arrived broken'").fetchall()
    assert rows == [("help_center", "Mug arrived broken", "ines.duarte@example.com")]
