"""Settings › Lifecycle in a real browser: preview a change without saving it, then save it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "admin@demo.shop"
ADMIN_PASSWORD = "demo-admin-password"
LIFECYCLE_URL = re.compile(r"/console/settings/lifecycle$")


def sign_in_as_admin(page) -> None:
    page.goto("/console/login")
    page.get_by_label("Email", exact=True).fill(ADMIN_EMAIL)
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console/$"))


def open_lifecycle(page) -> None:
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Lifecycle").click()
    page.wait_for_url(LIFECYCLE_URL)


def save_churn_days(page, value: str) -> None:
    page.get_by_label("Churned after (days without an order)").fill(value)
    page.get_by_role("button", name="Save rules").click()
    page.wait_for_url(LIFECYCLE_URL)
    expect(page.get_by_role("status").filter(has_text="Lifecycle rules saved")).to_be_visible()


def test_admin_previews_then_saves_lifecycle_rules(page, artifacts, assert_accessible):
    sign_in_as_admin(page)
    open_lifecycle(page)
    window = page.get_by_label("Post-purchase window (days)")
    expect(window).to_have_value("30")
    expect(page.get_by_role("navigation", name="Settings").get_by_role("link", name="Lifecycle")).to_have_attribute(
        "aria-current", "page")

    # Preview: counts per stage, the form keeps the proposal, nothing is saved.
    window.fill("7")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("[data-lifecycle-preview]")
    expect(preview).to_contain_text("would change stage under these rules")
    expect(preview.get_by_role("row", name=re.compile("^Conversion"))).to_be_visible()
    expect(page.get_by_label("Post-purchase window (days)")).to_have_value("7")
    assert_accessible(page)
    page.screenshot(path=artifacts / "lifecycle-preview.png", full_page=True)
    page.goto("/console/settings/lifecycle")
    expect(page.get_by_label("Post-purchase window (days)")).to_have_value("30")  # the preview saved nothing

    # A value out of range is explained next to its field.
    page.get_by_label("NPS promoter score").fill("12")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#promoter_min_score-error")).to_have_text("Between 0 and 10.")
    expect(page.get_by_label("NPS promoter score")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("NPS promoter score").fill("9")

    # Save a change that other tests on this shared server do not depend on, then restore it.
    try:
        save_churn_days(page, "200")
        expect(page.get_by_label("Churned after (days without an order)")).to_have_value("200")
        assert_accessible(page)
        page.screenshot(path=artifacts / "lifecycle-saved.png", full_page=True)
    finally:
        page.goto("/console/settings/lifecycle")
        save_churn_days(page, "180")
    page.goto("/console/settings/audit-log")
    expect(page.get_by_text("lifecycle.rules_changed").first).to_be_visible()
