"""Tickets end to end in Chromium (the issue's Done test): a loyal customer asks for a refund in
the help center; the demo routing rules put it in Billing at high priority; an agent finds it in a
view, with the customer's lifecycle in the sidebar, while a colleague looking at the same ticket
is shown; the agent replies; the customer follows the emailed link into My requests, reads the
reply and answers. A chat turned into a ticket keeps its transcript."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

ADMIN = ("admin@demo.shop", "demo-admin-password")
BEA = ("bea@demo.shop", "demo-agent-password")
SUBJECT = "Refund for the dented kettle"
REPLY = "So sorry, Marta! The refund is on its way; you'll see it within three days."
ANSWER = "Thank you, that was quick."


def _stored(live_server, sql: str, *args):
    with sqlite3.connect(live_server.env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def _console(new_page, who) -> object:
    page = new_page(viewport={"width": 1366, "height": 900})
    page.goto("/console/login")
    page.get_by_label("Email", exact=True).fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")
    expect(page.locator("[data-live-status].is-live")).to_be_visible()
    return page


def test_done_a_help_center_request_is_routed_answered_and_followed_in_my_requests(
        new_page, live_server, artifacts, assert_accessible):
    # The customer: Marta Silva, a loyalty-stage demo customer, writes from the help center.
    customer = new_page(viewport={"width": 390, "height": 844})
    customer.goto("/help/requests/new")
    customer.get_by_label("Your name").fill("Marta Silva")
    customer.get_by_label("Your email").fill("loyal@example.com")
    customer.get_by_label("Subject").fill(SUBJECT)
    customer.get_by_label("How can we help?").fill("The gooseneck kettle from my last order arrived dented. "
                                                  "I'd like a refund, please.")
    customer.get_by_role("button", name="Send request").click()
    expect(customer.get_by_role("heading", name="Request sent")).to_be_visible()
    ((ticket_id, group, priority),) = _stored(
        live_server, "SELECT t.id, g.name, t.priority FROM tickets t JOIN ticket_groups g ON g.id = t.group_id"
        " WHERE t.subject = ?", SUBJECT)
    assert (group, priority) == ("Billing", "high")  # words → Billing; loyalty stage → high

    # The agent finds it among the unassigned tickets, the customer's stage beside it.
    agent = _console(new_page, ADMIN)
    agent.get_by_role("link", name="Tickets", exact=True).click()
    agent.get_by_role("link", name=re.compile("^Unassigned")).click()
    row = agent.locator(f'[data-ticket-row="{ticket_id}"]')
    expect(row).to_contain_text("Marta Silva")
    expect(row).to_contain_text("High")
    expect(row).to_contain_text("Billing")
    row.get_by_role("link").click()
    expect(agent.get_by_role("heading", name=re.compile(SUBJECT))).to_be_visible()
    expect(agent.get_by_label("Group")).to_have_value(re.compile(r"\d+"))
    expect(agent.locator(".customer-panel")).to_contain_text("Marta Silva")
    expect(agent.locator(".history")).to_contain_text("Rule “Refunds and returns go to Billing”: group to Billing")

    # A colleague opens the same ticket: each sees the other, and who is writing.
    colleague = _console(new_page, BEA)
    colleague.goto(f"/console/tickets/{ticket_id}")
    expect(agent.locator("[data-collision]")).to_contain_text("Also viewing: Bea Santos")
    expect(colleague.locator("[data-collision]")).to_contain_text("Also viewing:")
    colleague.get_by_label("Reply").fill("Let me check the")
    expect(agent.locator("[data-collision]")).to_contain_text("Bea Santos is writing a reply")
    colleague.context.close()
    expect(agent.locator("[data-collision]")).to_have_text("", timeout=TIMEOUT_MS)

    assert_accessible(agent)
    agent.screenshot(path=artifacts / "ticket-page.png", full_page=True)
    agent.get_by_label("Reply").fill(REPLY)
    agent.get_by_role("button", name="Send").click()
    expect(agent.locator(".messages--ticket")).to_contain_text(REPLY)

    # The customer follows the link from the "we received your request" email into My requests.
    ((text,),) = _stored(live_server, "SELECT text_body FROM outbox_emails WHERE kind = 'ticket_received'"
                         " AND ticket_id = ?", ticket_id)
    link = re.search(r"(/help/sign-in/\S+)", text).group(1)
    customer.goto(link)
    customer.get_by_role("button", name="Continue").click()
    expect(customer).to_have_url(re.compile(rf"/help/requests/{ticket_id}$"))
    expect(customer.locator(".messages--ticket")).to_contain_text(REPLY)
    expect(customer.locator(".badge")).to_have_text("Awaiting your reply")
    assert_accessible(customer)
    customer.screenshot(path=artifacts / "my-request.png", full_page=True)
    customer.get_by_label("Your reply").fill(ANSWER)
    customer.get_by_role("button", name="Send reply").click()
    expect(customer.locator(".messages--ticket .message").last).to_contain_text(ANSWER)
    expect(customer.locator(".badge")).to_have_text("Open")
    customer.get_by_role("link", name="My requests", exact=True).first.click()
    expect(customer.get_by_role("link", name=re.compile(SUBJECT))).to_be_visible()

    # The agent's page learns the ticket changed; reloaded, it shows the answer.
    expect(agent.locator("[data-ticket-changed]")).to_be_visible()
    agent.reload()
    expect(agent.locator(".messages--ticket")).to_contain_text(ANSWER)
    # The agent's reply went to the outbox for the customer, threaded under the first email.
    assert _stored(live_server, "SELECT to_address FROM outbox_emails WHERE kind = 'agent_reply' AND ticket_id = ?",
                   ticket_id) == [("loyal@example.com",)]


def test_a_chat_turned_into_a_ticket_keeps_its_transcript(new_page, live_server, artifacts):
    ((conversation_id, first),) = _stored(
        live_server, "SELECT c.id, m.body FROM conversations c JOIN messages m ON m.conversation_id = c.id"
        " WHERE c.channel = 'chat' AND m.author_type = 'visitor' AND c.id NOT IN"
        " (SELECT conversation_id FROM tickets WHERE conversation_id IS NOT NULL) ORDER BY c.id, m.seq LIMIT 1")
    agent = _console(new_page, BEA)
    agent.goto(f"/console/inbox/{conversation_id}")
    agent.get_by_role("button", name="Turn into ticket").click()
    expect(agent).to_have_url(re.compile(r"/console/tickets/\d+$"))
    expect(agent.locator(".messages--ticket")).to_contain_text(first)
    expect(agent.get_by_role("link", name=f"chat #{conversation_id}", exact=True)).to_be_visible()
    agent.screenshot(path=artifacts / "ticket-from-chat.png", full_page=True)


def test_sla_targets_views_and_a_saved_view(new_page, live_server, artifacts, assert_accessible):
    admin = _console(new_page, ADMIN)
    admin.goto("/console/settings/sla")
    expect(admin.get_by_role("heading", name="SLA policies")).to_be_visible()
    expect(admin.get_by_role("link", name="VIP customers")).to_be_visible()
    expect(admin.get_by_label("Time zone")).to_have_value("Europe/Amsterdam")
    assert_accessible(admin)
    admin.screenshot(path=artifacts / "settings-sla.png", full_page=True)

    # The demo's week-old unanswered refund is in the SLA view, breached, first.
    admin.goto("/console/tickets")
    admin.get_by_role("link", name=re.compile("^SLA breached or due soon")).click()
    first = admin.locator("[data-ticket-row]").first
    expect(first).to_contain_text("Breached")
    expect(admin.get_by_role("search", name="Filter this view").get_by_label("Order")).to_have_value("due")
    expect(admin.locator('[data-view-count="sla"]')).to_have_text(re.compile(r"^\d+"))  # fetched by the script
    assert_accessible(admin)
    admin.screenshot(path=artifacts / "tickets-sla-view.png", full_page=True)

    # Narrow "All open" to urgent tickets and keep that as a view of one's own.
    admin.get_by_role("link", name=re.compile("^All open")).click()
    filters = admin.get_by_role("search", name="Filter this view")
    filters.get_by_label("Priority").select_option("urgent")
    filters.get_by_role("button", name="Apply").click()
    expect(admin.locator("[data-ticket-row]").first).to_contain_text("Urgent")
    admin.get_by_label("Save these filters as a view").fill("Urgent work")
    admin.get_by_role("button", name="Save view").click()
    expect(admin.get_by_role("navigation", name="Your saved views").get_by_role("link", name="Urgent work")
           ).to_have_attribute("aria-current", "page")
    row = admin.locator("[data-ticket-row]", has_text="Phone call: change the delivery address")
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    sla_card = admin.locator("[data-sla]")
    expect(sla_card).to_contain_text("Urgent")
    expect(sla_card).to_contain_text("Breached")
    expect(admin.locator(".history")).to_contain_text("SLA first response breached")
