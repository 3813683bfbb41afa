"""The widget's chat in a real browser: a visitor on the demo shop (another origin) opens the launcher,
writes, gets an agent's reply live, reloads and sees every message once."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AXE, AXE_URL, TIMEOUT_MS, format_violations
from tests.browser.test_demo_shop import ADMIN, demo  # noqa: F401  (the module's demo shop fixture)
from tests.realtime import helpers

pytestmark = pytest.mark.browser

QUESTION = "Hello! Is the Assam tea in stock?\nI would like two."
REPLY = "Yes, plenty <b>in stock</b>."  # shown as text, never as markup


def _chat_frame(page):
    """The chat iframe's Frame, once /widget.js has opened it."""
    iframe = page.locator('iframe[title="Chat"]')
    expect(iframe).to_be_visible()
    frame = iframe.element_handle().content_frame()
    frame.wait_for_url(re.compile(r"/widget/chat\b"))  # a new iframe starts on about:blank
    frame.wait_for_load_state()
    return frame


def _check_accessible(frame) -> None:
    """axe-core inside the chat page (loaded from the helpdesk's origin, which its CSP allows)."""
    if not AXE.exists():
        pytest.fail("app/static/vendor/axe.min.js is missing; run `make app/static/vendor/axe.min.js`")
    frame.add_script_tag(url=AXE_URL)
    result = frame.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe found serious/critical violations in the chat:\n{format_violations(bad)}"


def _shown(frame) -> list[str]:
    return frame.locator(".msg__body").all_inner_texts()


@pytest.fixture
def agent_online(demo):  # noqa: F811
    """Bea with a console open and her status set to online: the widget offers a live chat."""
    session = helpers.sign_in(demo.server.url, *helpers.BEA)
    client, _events = helpers.connect_console(demo.server.url, session)
    assert client.call("set_presence", {"presence": "online"}, namespace=helpers.CONSOLE, timeout=5)["ok"]
    yield client
    client.disconnect()
    session.close()


def test_a_visitor_chats_from_the_shop_and_the_agent_reply_arrives_live(browser, demo, artifacts, agent_online):  # noqa: F811
    context = browser.new_context(base_url=demo.shop_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/")

    launcher = page.get_by_role("button", name="Open chat")
    launcher.focus()
    page.keyboard.press("Enter")  # keyboard accessible
    expect(page.get_by_role("button", name="Close chat")).to_have_attribute("aria-expanded", "true")
    chat = page.frame_locator('iframe[title="Chat"]')
    expect(chat.get_by_label("Your message")).to_be_focused()
    chat.get_by_label("Your message").fill(QUESTION)
    chat.get_by_role("button", name="Send").click()
    expect(chat.locator(".msg--mine[data-seq]")).to_have_count(1)

    with sqlite3.connect(demo.database) as db:
        rows = db.execute("SELECT conversation_id, seq, author_type, body FROM messages"
                          " WHERE body = ?", (QUESTION,)).fetchall()
    assert len(rows) == 1 and rows[0][1:3] == (2, "visitor")  # seq 1: the note that Bea was assigned
    conversation_id = rows[0][0]

    page.evaluate("() => { window.__sameDocument = true; }")
    session = helpers.sign_in(demo.server.url, *ADMIN)
    agent, _events = helpers.connect_console(demo.server.url, session)
    try:
        ack = agent.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "agent-1",
                                          "body": REPLY}, namespace=helpers.CONSOLE, timeout=5)
        assert ack["ok"], ack
    finally:
        agent.disconnect()
        session.close()
    expect(chat.locator(".msg--team .msg__body")).to_have_text(REPLY)
    assert page.evaluate("() => window.__sameDocument === true"), "the shop page reloaded"
    frame = _chat_frame(page)
    assert _shown(frame) == [QUESTION, REPLY]
    _check_accessible(frame)
    page.screenshot(path=artifacts / "widget-chat-desktop.png")

    # A reload: the conversation is resumed from the iframe's localStorage, every message once.
    page.reload()
    page.get_by_role("button", name="Open chat").click()
    frame = _chat_frame(page)
    expect(frame.locator(".msg[data-seq]")).to_have_count(2)
    page.wait_for_timeout(500)  # a duplicate would arrive by now
    assert _shown(frame) == [QUESTION, REPLY]

    # Closing from inside the frame gives the focus back to the launcher.
    frame.get_by_role("button", name="Close chat").click()
    expect(page.locator('iframe[title="Chat"]')).to_be_hidden()
    expect(page.get_by_role("button", name="Open chat")).to_be_focused()

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "widget-launcher-phone.png")
    page.get_by_role("button", name="Open chat").click()
    expect(frame.locator(".msg[data-seq]")).to_have_count(2)
    page.screenshot(path=artifacts / "widget-chat-phone.png")
    assert problems == []
    context.close()


def test_the_launcher_and_chat_follow_the_page_language(browser, demo, artifacts):  # noqa: F811
    context = browser.new_context(base_url=demo.shop_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/")
    page.evaluate("() => { document.documentElement.lang = 'pt-PT'; }")  # read when the launcher is used
    page.locator("button[aria-expanded]").click()
    expect(page.get_by_role("button", name="Fechar conversa")).to_be_visible()
    frame = page.frame_locator('iframe[title="Conversa"]')
    expect(frame.get_by_role("heading", name="Fale connosco")).to_be_visible()
    # Nobody is online in this test: the form that leaves a message, in Portuguese.
    expect(frame.get_by_label("O seu email")).to_be_focused()
    expect(frame.get_by_label("Em que podemos ajudar?")).to_be_visible()
    context.close()


def test_a_signed_in_customer_chats_as_themselves(browser, demo, agent_online):  # noqa: F811
    """The shop page hands customer_id and user_hash to the frame: the conversation is Omar's."""
    context = browser.new_context(base_url=demo.shop_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in as Omar").click()
    expect(page.locator("[data-signed-in]")).to_be_visible()
    page.get_by_role("button", name="Open chat").click()
    chat = page.frame_locator('iframe[title="Chat"]')
    chat.get_by_label("Your message").fill("Omar here, about my order.")
    chat.get_by_label("Your message").press("Enter")
    expect(chat.locator(".msg--mine[data-seq]")).to_have_count(1)
    with sqlite3.connect(demo.database) as db:
        owner = db.execute(
            "SELECT c.external_id FROM messages m JOIN conversations v ON v.id = m.conversation_id"
            " JOIN customers c ON c.id = v.customer_id WHERE m.body = 'Omar here, about my order.'").fetchall()
    assert owner == [("cust-1002",)]
    context.close()
