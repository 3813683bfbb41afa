"""The console's Knowledge base in Chromium: an admin writes an article with the live preview,
publishes it and opens it in the help center; the list and the editor are accessible."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.test_console import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_writes_previews_and_publishes_an_article(page, artifacts, assert_accessible):
    # The tests share one server: a title of its own, and no category, so that the help center's
    # front page (which lists categories) looks as the other tests expect.
    suffix = uuid.uuid4().hex[:6]
    title = f"Descaling the samovar {suffix}"
    slug = f"descaling-the-samovar-{suffix}"
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)

    page.get_by_role("navigation", name="Console").get_by_role("link", name="Knowledge base").click()
    expect(page).to_have_url(re.compile(r"/console/kb$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge base")
    expect(page.locator("[data-kb-row]").first).to_be_visible()  # the demo's starter articles
    assert_accessible(page)
    page.screenshot(path=artifacts / "kb-console-list.png")  # the top: the demo has a long list

    page.get_by_role("link", name="New article").click()
    expect(page).to_have_url(re.compile(r"/console/kb/new$"))
    page.wait_for_load_state()  # the editor's script (deferred) is listening
    page.get_by_label("Title", exact=True).fill(title)
    expect(page.get_by_label("Slug", exact=True)).to_have_value(slug)  # follows the title on a new article
    body = page.get_by_label("Article", exact=True)
    body.press_sequentially("## Before you start\n\nUse **white vinegar**, never <script>bleach</script>.", delay=5)
    preview = page.locator("[data-kb-preview]")
    expect(preview.get_by_role("heading", level=2)).to_have_text("Before you start")
    expect(preview.locator("strong")).to_have_text("white vinegar")
    expect(preview).to_contain_text("<script>bleach</script>")  # shown as text, never run
    page.get_by_label("Tags", exact=True).fill("samovar, cleaning")
    page.get_by_label("Status", exact=True).select_option("published")
    page.get_by_role("button", name="Save article").click()

    expect(page).to_have_url(re.compile(r"/console/kb/\d+$"))
    expect(page.locator(".alert--success")).to_have_text(f"“{title}” published in the help center.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("link", name="Add translation: Português")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=artifacts / "kb-console-editor.png", full_page=True)

    page.get_by_role("link", name="View in help center").click()
    expect(page).to_have_url(re.compile(rf"/help/en/articles/{slug}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("main").locator("strong", has_text="white vinegar")).to_be_visible()


def test_settings_knowledge_base_is_accessible(page, artifacts, assert_accessible):
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/console/settings/knowledge-base")
    settings = page.get_by_role("navigation", name="Settings")
    expect(settings.get_by_role("link", name="Knowledge base")).to_have_attribute("aria-current", "page")
    english = page.get_by_label("Synonym groups (en)")
    expect(english).to_have_attribute("placeholder", re.compile(r"^refund, money back"))  # the defaults
    assert_accessible(page)
    page.screenshot(path=artifacts / "kb-console-settings.png", full_page=True)
