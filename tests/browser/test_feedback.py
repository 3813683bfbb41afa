"""CSAT and the support report in a real browser (issue #8's "Done means", first part): a visitor
chats from the demo shop, the agent resolves the chat in the console, the widget asks how it
went, the visitor answers good with a comment, the agent sees the rating arrive on the
conversation page, and the support report's CSAT chart and table count the answer."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from app.models.base import utcnow
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_demo_shop import _console_as_admin, demo  # noqa: F401  (this module's demo shop)
from tests.browser.test_widget_chat import _chat_frame, _check_accessible, agent_online, bea  # noqa: F401

pytestmark = pytest.mark.browser

QUESTION = "Can I still change my delivery address?"
COMMENT = "Sorted in a minute, thank you!"


def _good_today(page) -> int:
    """Today's good answers as the report's table shows them (0 when the day has none)."""
    row = page.locator(f'[data-table="csat"] tr[data-day="{utcnow().date().isoformat()}"] [data-good]')
    return int(row.text_content()) if row.count() else 0  # in a folded <details>: not rendered text


def _charted_good_today(page) -> int:
    """The same figure as drawn: the last bar of the chart's "Good" series."""
    return page.evaluate("""() => {
        const chart = document.querySelector('[data-chart="csat"]').chart;
        const good = chart.data.datasets.find(d => d.label === "Good").data;
        return good[good.length - 1];
    }""")


def test_a_resolved_chat_is_rated_in_the_widget_and_counted_on_the_support_chart(
        browser, demo, artifacts, assert_accessible, agent_online):  # noqa: F811
    admin_context, admin = _console_as_admin(browser, demo)
    admin.goto("/console/reports")
    expect(admin.locator('[data-chart="csat"]')).to_be_visible()
    before = _good_today(admin)
    assert _charted_good_today(admin) == before

    context = browser.new_context(base_url=demo.shop_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/")
    page.get_by_role("button", name="Open chat").click()
    chat = page.frame_locator('iframe[title="Chat"]')
    chat.get_by_label("Your message").fill(QUESTION)
    chat.get_by_role("button", name="Send").click()
    expect(chat.locator(".msg--mine[data-seq]")).to_have_count(1)
    with sqlite3.connect(demo.database) as db:
        [(conversation_id,)] = db.execute("SELECT conversation_id FROM messages WHERE body = ?", (QUESTION,)).fetchall()

    # The agent resolves the chat from the conversation page.
    admin.goto(f"/console/inbox/{conversation_id}")
    admin.get_by_role("button", name="Resolve").click()
    expect(admin.get_by_role("button", name="Reopen")).to_be_visible()

    # The widget asks; the visitor answers good, with a comment.
    survey = chat.locator("[data-survey]")
    expect(survey.get_by_role("heading", name="How would you rate the support you received?")).to_be_visible()
    send = survey.get_by_role("button", name="Send feedback")
    expect(send).to_be_disabled()
    good = survey.get_by_role("button", name="Good")
    good.click()
    expect(good).to_have_attribute("aria-pressed", "true")
    survey.get_by_label("Anything to add? (optional)").fill(COMMENT)
    _check_accessible(_chat_frame(page))
    page.screenshot(path=artifacts / "csat-1-widget-question.png")
    send.click()
    expect(survey.get_by_role("status")).to_have_text("Thanks for your feedback. Glad we could help!")
    page.screenshot(path=artifacts / "csat-2-widget-thanks.png")
    with sqlite3.connect(demo.database) as db:
        rows = db.execute("SELECT rating, comment, answered_via FROM surveys WHERE conversation_id = ?",
                          (conversation_id,)).fetchall()
    assert rows == [("good", COMMENT, "widget")]

    # The rating reaches the open conversation page live, then the report's chart and table.
    expect(admin.locator("[data-survey-live]")).to_contain_text("rated this chat: Good")
    expect(admin.locator("[data-survey-live]")).to_contain_text(COMMENT)
    admin.goto("/console/reports")
    expect(admin.locator('[data-chart="csat"]')).to_be_visible()
    assert _good_today(admin) == before + 1 and _charted_good_today(admin) == before + 1
    assert_accessible(admin)
    admin.screenshot(path=artifacts / "reports-support.png", full_page=True)
    admin.set_viewport_size({"width": 390, "height": 844})
    admin.screenshot(path=artifacts / "reports-support-phone.png", full_page=True)
    # A reload of the widget shows the thanks, not the question again.
    page.reload()
    page.get_by_role("button", name="Open chat").click()
    expect(page.frame_locator('iframe[title="Chat"]').locator("[data-survey]").get_by_role("status")).to_be_visible()
    assert problems == []
    context.close()
    admin_context.close()
