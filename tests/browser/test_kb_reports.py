"""The console's Knowledge base › Reports and › Content gaps in Chromium: a customer's searches
reach both tabs, which are accessible; "Start a draft" opens the new draft's editor."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.test_console import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in

pytestmark = pytest.mark.browser


def test_reports_and_content_gaps(page, artifacts, assert_accessible):
    # The tests share one server: a wording of its own that nothing in the demo answers.
    word = f"zq{uuid.uuid4().hex[:6]}"
    for query in (f"{word} samovar warranty", f"warranty of my {word} samovar"):
        page.goto(f"/help/en/search?q={query}")
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)

    page.goto("/console/kb")
    page.get_by_role("navigation", name="Knowledge base").get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"/console/kb/reports$"))
    expect(page.locator('[data-stat="searches"]')).not_to_have_text("0")
    assert_accessible(page)
    page.screenshot(path=artifacts / "kb-reports.png", full_page=True)

    page.get_by_role("navigation", name="Knowledge base").get_by_role("link", name="Content gaps").click()
    expect(page).to_have_url(re.compile(r"/console/kb/gaps$"))
    row = page.locator("[data-kb-gap]", has_text=word)
    expect(row).to_have_count(1)  # both wordings, one group
    assert_accessible(page)
    page.screenshot(path=artifacts / "kb-gaps.png", full_page=True)

    row.get_by_role("button", name=re.compile("Start a draft")).click()
    expect(page).to_have_url(re.compile(r"/console/kb/\d+$"))
    expect(page.locator(".alert--success")).to_contain_text("started")
