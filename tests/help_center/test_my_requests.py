"""My requests: one-time sign-in links (single use, expiring, the same answer for unknown
addresses), a customer's own tickets only (404 for anyone else's), public messages only,
replies that reopen and are idempotent, and the emails that go with them."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import CustomerLink, OutboxEmail, Ticket, TicketMessage
from app.models.base import utcnow
from app.services import customer_privacy
from app.services.platform.audit import CLI
from app.services.tickets import updates
from tests.factories import make_ticket
from tests.support.html import csrf_from

LINK = re.compile(r"http://[^/\s]+(/help/sign-in/[\w-]+)")


def emails(kind: str) -> list[OutboxEmail]:
    return list(db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.id)))


def follow(client, email: OutboxEmail):
    """Open the link in an email and press Continue, as the customer does."""
    path = LINK.search(email.text_body).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Continue" in page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def ask_for_link(client, email: str):
    page = client.get("/help/requests").get_data(as_text=True)
    return client.post("/help/requests", data={"csrf_token": csrf_from(page), "email": email})


def test_a_request_is_acknowledged_once_with_a_link_to_it(client):
    ticket = make_ticket()
    (received,) = emails("ticket_received")
    assert received.to_address == "ines@example.com" and f"#{ticket.id}" in received.subject
    landed = follow(client, received)
    assert landed.status_code == 302 and landed.headers["Location"] == f"/help/requests/{ticket.id}"
    page = client.get(landed.headers["Location"]).get_data(as_text=True)
    assert "Broken mug" in page and "The mug came in pieces." in page
    # The link works once: a second use (a forwarded email, a scanner) opens nothing.
    client.post("/help/sign-out", data={"csrf_token": csrf_from(page)})
    again = follow(client, received)
    assert again.status_code == 410 and "used already or has expired" in again.get_data(as_text=True)
    assert client.get(f"/help/requests/{ticket.id}").status_code == 302  # signed out


def test_agent_created_and_chat_tickets_send_no_acknowledgement(app):
    make_ticket(channel="agent")
    assert emails("ticket_received") == []


def test_the_sign_in_form_answers_alike_for_known_and_unknown_addresses(client):
    make_ticket()
    known, unknown = ask_for_link(client, "Ines@Example.com"), ask_for_link(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: r.get_data(as_text=True).replace("Ines@Example.com", "X").replace("nobody@example.com", "X")  # noqa: E731
    assert strip(known) == strip(unknown)
    (link,) = emails("sign_in_link")
    assert link.to_address == "ines@example.com"
    assert follow(client, link).headers["Location"] == "/help/requests"
    assert "Broken mug" in client.get("/help/requests").get_data(as_text=True)
    assert ask_for_link(client, "not an address").status_code == 200  # signed in: the list, not the form


def test_bad_addresses_and_expired_links(client):
    bad = ask_for_link(client, "not an address")
    assert bad.status_code == 400 and "valid email" in bad.get_data(as_text=True)
    make_ticket()
    ask_for_link(client, "ines@example.com")
    db.session.execute(db.update(CustomerLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert follow(client, emails("sign_in_link")[0]).status_code == 410
    assert client.post("/help/sign-in/hl_forged", data={"csrf_token": csrf_from(
        client.get("/help/sign-in/hl_forged").get_data(as_text=True))}).status_code == 410


def test_an_erased_customer_cannot_sign_in(client):
    ticket = make_ticket()
    customer_privacy.erase_customer(ticket.requester_id, by=CLI)
    assert follow(client, emails("ticket_received")[0]).status_code == 410


def test_a_customer_sees_only_their_own_tickets_and_never_notes(client, make_agent):
    mine, theirs = make_ticket(), make_ticket(email="omar@example.com", subject="Late parcel")
    agent = make_agent(name="Bea")
    updates.reply_as_agent(mine.id, "Internal: check the courier", agent=agent, internal=True, by=CLI)
    updates.reply_as_agent(mine.id, "Sorry! A new mug is on its way.", agent=agent, by=CLI)
    follow(client, emails("ticket_received")[0])
    page = client.get(f"/help/requests/{mine.id}").get_data(as_text=True)
    assert "A new mug is on its way" in page and "Awaiting your reply" in page and "Bea" in page
    assert "check the courier" not in page
    assert client.get(f"/help/requests/{theirs.id}").status_code == 404
    assert client.get("/help/requests/999999").status_code == 404
    assert "Late parcel" not in client.get("/help/requests").get_data(as_text=True)


def test_a_reply_reopens_the_ticket_once_and_errors_keep_the_text(client, make_agent):
    ticket = make_ticket()
    updates.reply_as_agent(ticket.id, "Which colour was it?", agent=make_agent(), by=CLI)
    follow(client, emails("ticket_received")[0])
    page = client.get(f"/help/requests/{ticket.id}").get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="(\w+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "client_key": key, "body": "Blue, please."}
    for _ in range(2):  # a double submit
        response = client.post(f"/help/requests/{ticket.id}/reply", data=data)
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "open"
    bodies = list(db.session.scalars(db.select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id)))
    assert bodies.count("Blue, please.") == 1
    long = client.post(f"/help/requests/{ticket.id}/reply", data={**data, "client_key": "k2", "body": "x" * 20_001})
    assert long.status_code == 400 and "x" * 100 in long.get_data(as_text=True)
    other = make_ticket(email="omar@example.com", subject="Late parcel")
    assert client.post(f"/help/requests/{other.id}/reply", data={**data, "client_key": "k3"}).status_code == 404


def test_an_agents_public_reply_is_emailed_and_threaded_notes_are_not(app, make_agent):
    ticket = make_ticket()
    agent = make_agent(name="Bea")
    updates.reply_as_agent(ticket.id, "A note", agent=agent, internal=True, by=CLI)
    first = updates.reply_as_agent(ticket.id, "Sorry about that!", agent=agent, by=CLI)
    updates.reply_as_agent(ticket.id, "Anything else?", agent=agent, by=CLI)
    replies = emails("agent_reply")
    assert [e.text_body.split("\n")[0] for e in replies] == ["Sorry about that!", "Anything else?"]
    (received,) = emails("ticket_received")
    assert replies[0].in_reply_to == received.message_id and replies[1].in_reply_to == replies[0].message_id
    assert f"/help/requests/{ticket.id}" in replies[0].text_body and "Bea" in replies[0].text_body
    assert replies[0].dedupe_key == f"ticket-message-{first.id}"


def test_forms_without_csrf_do_nothing(client):
    make_ticket()
    assert client.post("/help/requests", data={"email": "ines@example.com"}).status_code == 400
    assert emails("sign_in_link") == []
    path = LINK.search(emails("ticket_received")[0].text_body).group(1)
    assert client.post(path).status_code == 400  # refused: the link is not used
    assert db.session.scalar(db.select(CustomerLink.used_at)) is None
