"""NPS in a real browser: Mia, a retention customer of the demo shop, opens a page; the NPS card
appears over the widget's launcher; she answers 3 with a comment from the keyboard; the card thanks
her. The console's customer page shows the answer and the Detractor badge, and a follow-up ticket
exists. axe finds nothing serious in the card. A reload does not ask again."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest
import requests
from playwright.sync_api import expect

from app.models.base import utcnow
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_demo_shop import Shopper, _console_as_admin, demo  # noqa: F401  (this module's demo shop)
from tests.browser.test_widget_chat import _check_accessible

pytestmark = pytest.mark.browser

REPLY = "Sorry the delivery was slow, Mia. We've sent a voucher for your next order."
COMMENT = "Lovely tea, but the parcel took two weeks."
QUESTION = "How likely are you to recommend us to a friend or colleague?"


def _rows(demo, sql: str, *args):  # noqa: F811
    with sqlite3.connect(demo.database) as db:
        return db.execute(sql, args).fetchall()


def _make_mia_a_retention_customer(demo) -> None:  # noqa: F811
    """Two orders of Mia's (cust-1001), months ago, sent by the shop's server through the API."""
    def at(days: int) -> str:
        return (utcnow() - timedelta(days=days)).isoformat()

    line = [{"sku": "TEA-ASSAM", "name": "Assam breakfast tea, 250 g", "quantity": 1, "unit_price": "11.90"}]
    batch = [{"id": f"nps-test-order-{n}", "type": "order_placed", "customer_id": "cust-1001", "timestamp": at(days),
              "properties": {"order_id": f"NPS-{n}", "items": line, "currency": "EUR", "total": "11.90"}}
             for n, days in enumerate((100, 60))]
    batch.insert(0, {"id": "nps-test-identify", "type": "identify", "customer_id": "cust-1001", "timestamp": at(120),
                     "properties": {"name": "Mia Jensen", "email": "mia.jensen@example.com"}})
    answer = requests.post(f"{demo.server.url}/api/v1/events", json={"batch": batch},
                           headers={"Authorization": f"Bearer {demo.api_key}"}, timeout=10)
    assert answer.status_code == 202 and answer.json()["accepted"] == 3
    assert _rows(demo, "SELECT stage FROM customers WHERE external_id = 'cust-1001'") == [("retention",)]


def _card_frame(page):
    """The NPS card's Frame, once /widget.js has opened it and it has loaded."""
    iframe = page.locator('iframe[title="Feedback"]')
    expect(iframe).to_be_visible()
    frame = iframe.element_handle().content_frame()
    frame.wait_for_url(re.compile(r"/widget/nps\b"))
    frame.wait_for_load_state()
    return frame


def test_a_retention_customer_answers_nps_in_the_widget_and_the_console_shows_it(
        browser, demo, artifacts, assert_accessible):  # noqa: F811
    _make_mia_a_retention_customer(demo)
    context = browser.new_context(base_url=demo.shop_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    mia = Shopper(context.new_page(), demo.shop_url)
    page = mia.page
    mia.step(lambda: page.goto("/sign-in"), "/sign-in")
    expect(page.locator('iframe[title="Feedback"]')).to_have_count(0)  # not asked while anonymous
    mia.step(lambda: page.get_by_role("button", name="Sign in as Mia").click(), "/")

    # The card appears over the launcher, with the scale as a radio group.
    frame = _card_frame(page)
    card = page.frame_locator('iframe[title="Feedback"]')
    expect(card.get_by_role("group", name=QUESTION)).to_be_visible()
    expect(card.get_by_role("radio")).to_have_count(11)
    expect(card.get_by_role("radio", name="0 — not at all likely")).to_be_visible()
    expect(card.get_by_role("radio", name="10 — extremely likely")).to_be_visible()
    _check_accessible(frame)
    page.screenshot(path=artifacts / "nps-1-card.png")

    # Send without a score says what is missing; then 3 by the keyboard (arrow keys), a comment, Send.
    card.get_by_role("button", name="Send").click()
    expect(card.get_by_role("alert")).to_have_text("Please choose a score from 0 to 10.")
    expect(card.get_by_role("radio", name="0 — not at all likely")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(card.get_by_role("radio", name="3", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(card.get_by_label("What is the main reason for your score? (optional)")).to_be_focused()
    page.keyboard.type(COMMENT)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(card.get_by_role("status")).to_have_text("Thank you for your answer!")
    _check_accessible(frame)
    page.screenshot(path=artifacts / "nps-2-thanks.png")
    [(customer_id, survey_id, score, comment, via)] = _rows(
        demo, "SELECT s.customer_id, s.id, s.score, s.comment, s.answered_via FROM surveys s"
        " JOIN customers c ON c.id = s.customer_id WHERE s.kind = 'nps' AND c.external_id = 'cust-1001'")
    assert (score, comment, via) == (3, COMMENT, "widget")

    # The close button returns the keyboard to the launcher; the next page does not ask again.
    card.get_by_role("button", name="Close").click()
    expect(page.locator('iframe[title="Feedback"]')).to_have_count(0)
    expect(page.get_by_role("button", name="Open chat")).to_be_focused()
    page.reload()
    expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    # The question comes as the chat frame's socket connects; the frame is ready once connected and
    # its lists loaded, and by then none came.
    expect(page.frame_locator('iframe[title="Chat"]').locator("body[data-ready]")).to_have_count(1)
    expect(page.locator('iframe[title="Feedback"]')).to_have_count(0)
    assert mia.problems == []

    # The console: the answer on Mia's page, the Detractor badge, and the follow-up ticket.
    admin_context, admin = _console_as_admin(browser, demo)
    admin.goto(f"/console/customers/{customer_id}")
    expect(admin.locator(".customer-header__badges .badge--flag-detractor")).to_have_text("Detractor")
    answer = admin.locator(f'[data-nps-answer="{survey_id}"]')
    expect(answer).to_contain_text("3 / 10")
    expect(answer).to_contain_text(COMMENT)
    expect(admin.locator("#customer-journey")).to_contain_text("Answered NPS")
    assert_accessible(admin)
    admin.screenshot(path=artifacts / "nps-3-customer-page.png", full_page=True)
    [(ticket_id, subject)] = _rows(demo, "SELECT id, subject FROM tickets WHERE requester_id = ?", customer_id)
    assert subject == "Following up on your feedback (NPS 3)"
    admin.goto(f"/console/tickets/{ticket_id}")
    opening = admin.locator(".messages--ticket .message").first
    expect(opening.locator(".message__author")).to_have_text("Internal note · System")
    expect(opening).to_contain_text(COMMENT)

    # Mia does not see a request she never made: the follow-up is the agents' until they write to her.
    page.get_by_role("button", name="Open chat").click()
    chat = page.frame_locator('iframe[title="Chat"]')
    expect(chat.locator("body[data-ready]")).to_have_count(1)
    expect(chat.get_by_role("heading", name="Your requests")).to_have_count(0)
    admin.get_by_label("Reply").fill(REPLY)
    admin.get_by_role("button", name="Send").click()
    expect(admin.locator(".messages--ticket")).to_contain_text(REPLY)
    # Her open widget hears of the reply: the way back to her lists appears, and there the request
    # is hers to read now, worded for her.
    chat.get_by_role("button", name="Your conversations").click()
    expect(chat.get_by_role("heading", name="Your requests")).to_be_visible()
    item = chat.get_by_role("button", name=re.compile(r"Following up on your feedback \(NPS 3\)"))
    expect(item).to_be_visible()
    item.click()
    expect(chat.get_by_text(REPLY)).to_be_visible()
    expect(chat.get_by_text(COMMENT)).to_have_count(0)  # the agents' note stays theirs
    context.close()
    admin_context.close()
