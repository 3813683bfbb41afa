"""The composer's Knowledge base button in Chromium: an agent on a demo ticket searches "refund",
picks a starter article with the keyboard, and its help-center link lands in the reply (unsent);
axe with the popover open; Escape closes it and gives focus back to the button."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.test_console import AGENT_PASSWORD, BEA_EMAIL, sign_in

pytestmark = pytest.mark.browser

ARTICLE = "When will I get my refund?"


def _demo_ticket_id(live_server) -> int:
    with sqlite3.connect(live_server.env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return db.execute("SELECT id FROM tickets WHERE subject = ?", ("Refund for a damaged kettle",)).fetchone()[0]


def test_an_agent_links_an_article_into_a_ticket_reply(page, live_server, artifacts, assert_accessible):
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    page.goto(f"/console/tickets/{_demo_ticket_id(live_server)}")
    reply = page.get_by_role("textbox", name="Reply")
    reply.fill("Hi! ")

    toggle = page.get_by_role("button", name="Knowledge base")
    toggle.click()
    search = page.get_by_role("combobox", name="Search the knowledge base")
    expect(search).to_be_focused()
    search.press_sequentially("refund")
    options = page.get_by_role("listbox", name="Articles").get_by_role("option")
    expect(options.filter(has_text=ARTICLE)).to_have_count(1)
    assert_accessible(page)
    page.screenshot(path=artifacts / "kb-composer.png", full_page=True)

    titles = [t.strip() for t in page.locator("#kb-lookup-listbox .canned__title").all_text_contents()]
    for _ in range(titles.index(ARTICLE)):
        search.press("ArrowDown")
    search.press("Enter")
    expect(page.locator("[data-kb-panel]")).to_be_hidden()
    expect(reply).to_have_value(re.compile(
        r"^Hi! When will I get my refund\?: http://127\.0\.0\.1:\d+/help/en/articles/refund-timing$"))
    expect(reply).to_be_focused()
    assert "/console/tickets/" in page.url  # not sent

    toggle.click()
    expect(search).to_be_focused()
    search.press("Escape")
    expect(page.locator("[data-kb-panel]")).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
