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


def test_a_visitor_finds_the_article_for_a_misspelled_question_and_marks_it_helpful(
        page, live_server, artifacts, assert_accessible):
    page.goto("/help/en/")
    assert_accessible(page)
    page.screenshot(path=artifacts / "help-center-home.png", full_page=True)
    search = page.get_by_role("combobox", name="Search the help center")
    search.press_sequentially("how long for my refnud", delay=20)
    # Search-as-you-type: the article is offered before the search is sent.
    expect(page.get_by_role("option", name="When will I get my refund?")).to_be_visible()
    page.screenshot(path=artifacts / "help-center-suggestions.png")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/help/en/search\?q=how\+long\+for\+my\+refnud"))
    expect(page.locator(".kb-didyoumean")).to_contain_text("Did you mean how long for my refund?")
    first = page.locator(".kb-result__title a").first
    expect(first).to_have_text("When will I get my refund?")
    expect(page.locator(".kb-result mark").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=artifacts / "help-center-results.png", full_page=True)
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("When will I get my refund?")
    expect(page.get_by_role("complementary").get_by_role("link", name="Quando recebo o meu reembolso?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status")).to_have_text("Thanks for letting us know.")
    expect(page.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=artifacts / "help-center-article.png", full_page=True)
    visitor = next(c["value"] for c in page.context.cookies() if c["name"] == "hc_visitor")
    with sqlite3.connect(live_server.env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        votes = db.execute("SELECT v.helpful FROM article_votes v JOIN articles a ON a.id = v.article_id"
                           " WHERE a.slug = 'refund-timing' AND a.language = 'en' AND v.visitor_key = ?",
                           (visitor,)).fetchall()
        clicked = db.execute("SELECT s.results > 0, a.slug FROM kb_searches s JOIN articles a"
                             " ON a.id = s.clicked_article_id WHERE s.query = 'how long for my refnud'").fetchall()
    assert votes == [(1,)]
    assert clicked == [(1, "refund-timing")]


def test_the_help_center_reads_well_on_a_phone_in_dutch(new_page, artifacts, assert_accessible):
    page = new_page(viewport={"width": 390, "height": 844}, locale="nl-NL")
    page.goto("/help/")
    expect(page).to_have_url(re.compile(r"/help/nl/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoe kunnen we helpen?")
    page.get_by_role("combobox", name="Zoeken in het helpcentrum").fill("pakket kwijt")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator(".kb-result").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=artifacts / "help-center-phone-nl.png", full_page=True)
