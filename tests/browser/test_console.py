"""The console in a real browser: sign-in, agents, invitations, API keys, the live channel, a11y, XSS."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "admin@demo.shop"
ADMIN_PASSWORD = "demo-admin-password"
BEA_EMAIL = "bea@demo.shop"
AGENT_PASSWORD = "demo-agent-password"
NEW_PASSWORD = "a-long-enough-password"
SIGN_IN_FAILED = "Wrong email or password."

LOGIN_URL = re.compile(r"/console/login(\?.*)?$")
HOME_URL = re.compile(r"/console/$")
AGENTS_URL = re.compile(r"/console/settings/agents$")


def unique_email(prefix: str) -> str:
    """The tests share one server, so whatever they create gets a name of its own."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the real form and wait for the console home."""
    page.goto("/console/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(HOME_URL)


def sign_out(page) -> None:
    """The Sign out button in the console navigation."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(LOGIN_URL)


def open_agents(page) -> None:
    """Settings › Agents, through the navigation as an admin would."""
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Settings").click()
    page.wait_for_url(AGENTS_URL)
    expect(page.get_by_role("navigation", name="Settings").get_by_role("link", name="Agents")).to_have_attribute(
        "aria-current", "page"
    )


def add_agent(page, name: str, email: str, *, role: str = "agent", password: str | None = None) -> None:
    """Fill and send the Add an agent form: a password now, or (password=None) an invitation link."""
    form = page.locator("form", has=page.get_by_role("button", name="Add agent"))
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_label("Role", exact=True).select_option(role)
    if password is None:
        expect(form.get_by_label("Send an invitation link")).to_be_checked()  # the default
    else:
        form.get_by_label("Set a password now").check()
        form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Add agent").click()
    page.wait_for_load_state()


def expect_live(page) -> None:
    """The header's live indicator shows the /console Socket.IO connection is up."""
    status = page.locator("[data-live-status]")
    expect(status).to_have_class(re.compile(r"\bis-live\b"))
    expect(status).to_have_text("Live")


# --- Agents ---------------------------------------------------------------------------------


def test_admin_creates_agent_with_password_who_can_then_sign_in(page, artifacts):
    email = unique_email("sam")
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_agents(page)

    add_agent(page, "Sam Fisher", email, password=NEW_PASSWORD)

    expect(page).to_have_url(AGENTS_URL)
    expect(page.get_by_role("status").filter(has_text="Sam Fisher can sign in now.")).to_be_visible()
    row = page.locator(f'[data-agent-row="{email}"]')
    expect(row).to_contain_text("Sam Fisher")
    expect(row).to_contain_text("Active")
    expect(row.get_by_label("Role of Sam Fisher")).to_have_value("agent")
    expect_live(page)  # a settled header in the screenshot
    page.screenshot(path=artifacts / "agents.png", full_page=True)

    sign_out(page)
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    sign_in(page, email, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sam")


def test_invited_agent_sets_password_and_signs_in_without_settings(page, new_page, artifacts):
    email = unique_email("ines")
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_agents(page)

    add_agent(page, "Ines Moreau", email)

    link = page.locator("[data-invite-link]").input_value()
    assert re.search(r"/console/invite/[^/]+$", link), link
    expect(page.locator(f'[data-agent-row="{email}"]')).to_contain_text("Invited")
    sign_out(page)

    invitee = new_page()  # another browser, as if the link arrived by email
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Welcome, Ines Moreau")
    invitee.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_label("Repeat the password", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Set password").click()
    invitee.wait_for_url(LOGIN_URL)
    expect(invitee.get_by_text("Your password is set.")).to_be_visible()

    sign_in(invitee, email, NEW_PASSWORD)
    nav = invitee.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    expect_live(invitee)
    invitee.screenshot(path=artifacts / "agent-home.png", full_page=True)
    assert invitee.goto("/console/settings/agents").status == 403

    # The link works once.
    assert invitee.goto(link).status == 404


# --- Sign-in --------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [ADMIN_EMAIL, "nobody@example.com"], ids=["wrong-password", "unknown-email"])
def test_failed_sign_in_says_the_same_for_any_cause(page, email):
    page.goto("/console/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text(SIGN_IN_FAILED)
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("navigation", name="Console")).to_have_count(0)


def test_login_form_in_keyboard_order_and_enter_submits(page):
    page.goto("/console/login")
    email = page.get_by_label("Email", exact=True)
    expect(email).to_be_focused()  # autofocus: most visitors came here to type their email

    # From the top of the document (a click on the page background, as after a reload).
    page.mouse.click(2, 2)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["y"] >= 0, f"the focused skip link is off screen: {box}"

    page.keyboard.press("Tab")
    expect(email).to_be_focused()
    page.keyboard.type(ADMIN_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()

    page.keyboard.press("Enter")
    page.wait_for_url(HOME_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alex")


# --- API keys -------------------------------------------------------------------------------


def test_api_key_works_until_revoked(page, live_server):
    name = f"Shop server {uuid.uuid4().hex[:6]}"
    whoami = live_server.url + "/api/v1/whoami"
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_agents(page)
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="API keys").click()

    page.get_by_label("Key name", exact=True).fill(name)
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("[data-new-key]").input_value()
    assert secret, "the new key is shown once, in the [data-new-key] input"

    answer = requests.get(whoami, headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["key"]["name"] == name
    assert secret.startswith(answer.json()["key"]["prefix"])

    row = page.locator(f'[data-key-row="{name}"]')
    row.get_by_role("button", name=f"Revoke {name}").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text(f"Key \u201c{name}\u201d revoked.")
    expect(page.locator(f'[data-key-row="{name}"]')).to_contain_text("Revoked")
    expect(page.locator("[data-new-key]")).to_have_count(0)  # never shown again

    answer = requests.get(whoami, headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"]


# --- Live channel ---------------------------------------------------------------------------


def test_live_indicator_turns_live_after_sign_in(page):
    page.goto("/console/login")
    expect(page.locator("[data-live-status]")).to_have_count(0)  # no socket before sign-in
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    expect_live(page)


def test_deactivated_agent_is_signed_out_of_an_open_console(page, new_page):
    admin = page
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    bea = new_page()
    sign_in(bea, BEA_EMAIL, AGENT_PASSWORD)
    expect_live(bea)  # the push can only arrive on a connected socket

    open_agents(admin)
    admin.get_by_role("button", name="Deactivate Bea Santos").click()
    expect(admin.get_by_role("status")).to_contain_text("Bea Santos: deactivated.")
    try:
        # Bea does nothing: the server's session_revoked makes her page reload onto sign-in.
        bea.wait_for_url(LOGIN_URL, timeout=5_000)
        expect(bea.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    finally:
        # Leave the shared demo data as it was.
        admin.get_by_role("button", name="Reactivate Bea Santos").click()
        expect(admin.get_by_role("status")).to_contain_text("Bea Santos: reactivated.")


# --- Accessibility and layout ---------------------------------------------------------------

PUBLIC_PAGES = ["/console/login", "/help/"]
CONSOLE_PAGES = [
    "/console/",
    "/console/settings/agents",
    "/console/settings/api-keys",
    "/console/settings/audit-log",
    "/console/account",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES + CONSOLE_PAGES)
def test_no_serious_accessibility_violations(page, path, assert_accessible):
    if path in CONSOLE_PAGES:
        sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    response = page.goto(path)
    assert response.status == 200, path
    assert_accessible(page)


def test_agents_page_fits_a_phone(new_page, artifacts, assert_accessible):
    phone = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    sign_in(phone, ADMIN_EMAIL, ADMIN_PASSWORD)
    phone.goto("/console/settings/agents")
    expect(phone.get_by_role("heading", name="Add an agent")).to_be_visible()
    expect_live(phone)
    phone.screenshot(path=artifacts / "agents-mobile.png", full_page=True)

    scroll_width, inner_width = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    # Mobile Chrome widens the layout viewport to fit overflowing content, so innerWidth alone
    # would hide the overflow: it must still be the phone's 390 px.
    assert (scroll_width, inner_width) == (390, 390), f"the page scrolls sideways on a phone: {scroll_width=}"
    assert_accessible(phone)


# --- Escaping -------------------------------------------------------------------------------


def test_agent_name_with_markup_is_shown_as_text(page):
    name = "<img src=x onerror=alert(1)>"
    email = unique_email("xss")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_agents(page)
    add_agent(page, name, email, password=NEW_PASSWORD)
    expect(page.get_by_role("status")).to_contain_text(f"{name} can sign in now.")

    page.reload()
    row = page.locator(f'[data-agent-row="{email}"]')
    expect(row).to_contain_text(name)
    assert page.locator("img[src='x']").count() == 0, "the name was rendered as markup"
    assert dialogs == []
