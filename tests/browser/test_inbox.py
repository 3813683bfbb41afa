"""The inbox in a real browser: a new chat appears in the list live, a visitor's message appears in
the agent's conversation page without a reload, the agent's reply reaches the visitor; axe on both."""

from __future__ import annotations

import queue
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import SHOP_ORIGIN
from tests.browser.test_console import AGENT_PASSWORD, BEA_EMAIL, expect_live, sign_in
from tests.realtime.helpers import ConsoleClient

pytestmark = pytest.mark.browser

CHAT = "/chat"
LIVE_MS = 5_000


def connect_visitor(base_url: str) -> tuple[ConsoleClient, queue.Queue]:
    """A widget-like visitor: a token from POST /api/v1/widget/session, then a /chat socket."""
    response = requests.post(base_url + "/api/v1/widget/session", json={"anonymous_id": f"anon-{uuid.uuid4().hex}"},
                             headers={"Origin": SHOP_ORIGIN}, timeout=10)
    assert response.status_code == 200, response.text[:300]
    client = ConsoleClient(reconnection=False, websocket_extra_options={"origin": SHOP_ORIGIN})
    received: queue.Queue = queue.Queue()
    client.on("message_created", received.put, namespace=CHAT)
    client.connect(base_url, auth={"token": response.json()["token"]}, transports=["websocket"],
                   namespaces=[CHAT], wait_timeout=5)
    return client, received


def test_agent_and_visitor_chat_live_through_the_inbox(page, live_server, artifacts, assert_accessible):
    sign_in(page, BEA_EMAIL, AGENT_PASSWORD)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect_live(page)
    expect(page.locator("body[data-inbox-live]")).to_have_count(1)
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

    visitor, visitor_inbox = connect_visitor(live_server.url)
    try:
        conversation_id = visitor.call("start_conversation", namespace=CHAT, timeout=5)["conversation"]["id"]
        row = page.locator(f'[data-conversation-row="{conversation_id}"]')
        expect(row).to_be_visible(timeout=LIVE_MS)  # conversation_created refreshed the list
        assert page.evaluate("() => window.sameDocument === true")
        assert_accessible(page)
        page.screenshot(path=artifacts / "inbox-list.png", full_page=True)

        row.get_by_role("link").click()
        expect(page.locator("[data-conversation][data-joined]")).to_have_count(1)
        page.evaluate("() => { window.sameDocument = true; }")
        body = "Where is my order? <b>not bold</b> https://shop.example/track/7"
        visitor.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "v1", "body": body},
                     namespace=CHAT, timeout=5)
        message = page.locator('.message--visitor[data-seq="1"]')
        expect(message).to_contain_text("<b>not bold</b>", timeout=LIVE_MS)  # as text, not markup
        expect(message.get_by_role("link", name="https://shop.example/track/7")).to_have_attribute(
            "href", "https://shop.example/track/7")
        assert page.evaluate("() => window.sameDocument === true")

        page.get_by_label("Reply").fill("Checking with the warehouse now.")
        page.get_by_label("Reply").press("Enter")
        expect(page.locator('.message--agent[data-seq="2"]')).to_contain_text("Checking with the warehouse now.")
        expect(page.get_by_label("Reply")).to_have_value("")
        received = [visitor_inbox.get(timeout=5), visitor_inbox.get(timeout=5)]
        assert [m["body"] for m in received] == [body, "Checking with the warehouse now."]

        page.get_by_label("Internal note (agents only)").check()
        page.get_by_label("Reply").fill("VIP: offer free shipping")
        page.get_by_role("button", name="Send").click()
        expect(page.locator('.message--note[data-seq="3"]')).to_contain_text("VIP: offer free shipping")
        expect(page.locator('.message[data-seq="2"]')).to_have_count(1)  # ack + message_created: shown once
        assert_accessible(page)
        page.screenshot(path=artifacts / "inbox-conversation.png", full_page=True)
        # Notes never reach the visitor. The note is on the page, so its sending is done; whatever it
        # sent the visitor would arrive before the visitor's own next message comes back to them.
        visitor.call("send_message", {"conversation_id": conversation_id, "client_msg_id": "v2", "body": "Thanks"},
                     namespace=CHAT, timeout=5)
        assert visitor_inbox.get(timeout=5)["client_msg_id"] == "v2"
    finally:
        visitor.disconnect()
