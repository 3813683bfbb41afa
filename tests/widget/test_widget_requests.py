"""/api/v1/widget/requests: a shopper verified by user_hash lists and opens their own tickets (public
messages and files only), replies once per client key (a closed ticket gets a follow-up), and gets
404 for anyone else's; anonymous tokens, bad tokens and bad replies get clear 4xx answers."""

from __future__ import annotations

import io
import re

import pytest

from app.extensions import db
from app.models import Ticket, TicketAttachment, TicketMessage
from app.services.access import visitor_tokens, widget_identity
from app.services.platform.audit import CLI
from app.services.tickets import updates
from app.services.tickets.attachments.store import Upload
from tests.factories import make_profile, make_ticket
from tests.support.html import csrf_from

URL = "/api/v1/widget/requests"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def bearer(customer_id: str | None = "cust-1", anonymous_id: str = "anon-1") -> dict:
    """The Authorization header the widget sends: the chat's visitor token, verified when a customer."""
    proof = widget_identity.user_hash(customer_id) if customer_id else None
    token = visitor_tokens.issue_visitor_token(anonymous_id, customer_id, proof).token
    return {"Authorization": f"Bearer {token}"}


def messages(ticket_id: int) -> list[str]:
    return list(db.session.scalars(db.select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id)
                                   .order_by(TicketMessage.id)))


def fetch(client, path: str, headers: dict | None = None):
    """GET a download and close it, as a WSGI server does once the file is sent."""
    response = client.get(path, headers=headers or {})
    response.get_data()
    response.close()
    return response


@pytest.fixture
def agent(make_agent):
    return make_agent(name="Bea")


def test_a_verified_customer_lists_and_opens_their_own_tickets_without_notes(client, agent):
    mine = make_ticket(customer=make_profile("cust-1"), channel="api")
    make_ticket(customer=make_profile("cust-2"), subject="Late parcel", channel="api")
    updates.reply_as_agent(mine.id, "Internal: check the courier", agent=agent, internal=True, by=CLI,
                                  uploads=[Upload("claim-internal.pdf", io.BytesIO(PDF))])
    updates.reply_as_agent(mine.id, "A new mug is on its way.", agent=agent, by=CLI,
                                  uploads=[Upload("label.pdf", io.BytesIO(PDF))])
    listed = client.get(URL, headers=bearer())
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "private, no-store"
    assert [(r["id"], r["subject"], r["status"], r["status_label"]) for r in listed.json["requests"]] == [
        (mine.id, "Broken mug", "pending", "Awaiting your reply")]
    assert listed.json["requests"][0]["updated_at"]

    opened = client.get(f"{URL}/{mine.id}", headers=bearer()).json
    assert [(m["from_customer"], m["author_name"], m["body"]) for m in opened["messages"]] == [
        (True, "You", "The mug came in pieces."), (False, "Bea", "A new mug is on its way.")]
    assert "check the courier" not in str(opened)
    (label,) = opened["messages"][1]["attachments"]
    assert label["filename"] == "label.pdf" and "claim-internal" not in str(opened)

    download = fetch(client, label["url"], bearer())
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    note_file = db.session.scalar(db.select(TicketAttachment).where(TicketAttachment.filename == "claim-internal.pdf"))
    assert fetch(client, f"{URL}/{mine.id}/attachments/{note_file.id}", bearer()).status_code == 404
    assert fetch(client, label["url"], bearer("cust-2")).status_code == 404
    assert fetch(client, label["url"]).status_code == 401  # a plain link, without the token, opens nothing


def test_another_customers_ticket_is_404_like_a_missing_one(client):
    theirs = make_ticket(customer=make_profile("cust-2"), subject="Late parcel", channel="api")
    make_ticket(customer=make_profile("cust-1"), channel="api")
    for path in (f"{URL}/{theirs.id}", f"{URL}/999999", f"{URL}/{2**40}"):
        response = client.get(path, headers=bearer())
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found", path
    theirs_reply = client.post(f"{URL}/{theirs.id}/replies", json={"body": "Mine now", "client_key": "k1"},
                               headers=bearer())
    assert theirs_reply.status_code == 404 and messages(theirs.id) == ["The mug came in pieces."]
    # A verified shopper the helpdesk has never seen: no tickets, and nothing to open.
    assert client.get(URL, headers=bearer("cust-new")).json == {"requests": []}
    assert client.get(f"{URL}/{theirs.id}", headers=bearer("cust-new")).status_code == 404


def test_a_reply_is_stored_once_for_a_retried_client_key_and_reopens(client, agent):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    updates.reply_as_agent(ticket.id, "Which colour was it?", agent=agent, by=CLI)
    sent = [client.post(f"{URL}/{ticket.id}/replies", json={"body": "Blue, please.", "client_key": "k-1"},
                        headers=bearer()) for _ in range(2)]
    assert [r.status_code for r in sent] == [201, 201]
    assert sent[0].json == sent[1].json
    assert sent[0].json["request"]["status"] == "open" and sent[0].json["follow_up"] is False
    assert messages(ticket.id).count("Blue, please.") == 1
    stored = db.session.get(TicketMessage, sent[0].json["message_id"])
    assert (stored.channel, stored.author_type, stored.client_key) == ("widget", "customer", "k-1")


def test_a_reply_to_a_closed_ticket_makes_one_follow_up(client, agent):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    updates.update_ticket(ticket.id, {"status": "closed"}, expected_version=ticket.version, by=CLI)
    sent = [client.post(f"{URL}/{ticket.id}/replies", json={"body": "It broke again.", "client_key": "k-2"},
                        headers=bearer()).json for _ in range(2)]
    assert sent[0] == sent[1] and sent[0]["follow_up"] is True
    follow = db.session.get(Ticket, sent[0]["request"]["id"])
    assert follow.id != ticket.id and follow.subject == "Follow-up: Broken mug"
    assert messages(follow.id) == ["It broke again."] and messages(ticket.id) == ["The mug came in pieces."]
    assert [r["id"] for r in client.get(URL, headers=bearer()).json["requests"]] == [follow.id, ticket.id]


@pytest.mark.parametrize(("payload", "field"), [
    ({"body": "", "client_key": "k"}, "body"),
    ({"body": "   \n ", "client_key": "k"}, "body"),
    ({"body": "x" * 20_001, "client_key": "k"}, "body"),
    ({"body": 42, "client_key": "k"}, "body"),
    ({"client_key": "k"}, "body"),
    ({"body": "Hello"}, "client_key"),
    ({"body": "Hello", "client_key": "k" * 65}, "client_key"),
])
def test_an_empty_or_oversized_reply_is_a_clear_400_and_stores_nothing(client, payload, field):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    response = client.post(f"{URL}/{ticket.id}/replies", json=payload, headers=bearer())
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid" and field in response.json["error"]["fields"]
    assert response.json["error"]["message"]
    assert messages(ticket.id) == ["The mug came in pieces."]


def test_bodies_that_are_not_a_json_object_are_refused(client):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    assert client.post(f"{URL}/{ticket.id}/replies", data="body=hi", headers=bearer()).status_code == 415
    assert client.post(f"{URL}/{ticket.id}/replies", json=["hi"], headers=bearer()).status_code == 400
    assert messages(ticket.id) == ["The mug came in pieces."]


def test_an_anonymous_visitor_is_refused_with_a_clear_json_error(client):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    anonymous = bearer(None)
    for response in (client.get(URL, headers=anonymous), client.get(f"{URL}/{ticket.id}", headers=anonymous),
                     client.post(f"{URL}/{ticket.id}/replies", json={"body": "hi", "client_key": "k"},
                                 headers=anonymous)):
        assert response.status_code == 403
        error = response.json["error"]
        assert error["code"] == "forbidden" and "signed-in customers" in error["message"]
    assert messages(ticket.id) == ["The mug came in pieces."]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer garbage"}, {"Authorization": "Basic eDp5"}])
def test_a_missing_or_forged_token_is_401(client, headers):
    response = client.get(URL, headers=headers)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_the_widget_identity_opens_my_requests_in_the_help_center(client):
    ticket = make_ticket(customer=make_profile("cust-1"), channel="api")
    link = client.post(f"{URL}/help-center-link", json={"ticket_id": ticket.id}, headers=bearer())
    assert link.status_code == 201
    path = re.search(r"https?://[^/]+(/help/sign-in/[\w-]+)$", link.json["url"]).group(1)
    page = client.get(path).get_data(as_text=True)
    landed = client.post(path, data={"csrf_token": csrf_from(page)})
    assert landed.status_code == 302 and landed.headers["Location"] == f"/help/requests/{ticket.id}"
    assert "Broken mug" in client.get(landed.headers["Location"]).get_data(as_text=True)
    theirs = make_ticket(customer=make_profile("cust-2"), subject="Late parcel", channel="api")
    assert client.post(f"{URL}/help-center-link", json={"ticket_id": theirs.id}, headers=bearer()).status_code == 404
    assert client.post(f"{URL}/help-center-link", headers=bearer(None)).status_code == 403
    assert client.post(f"{URL}/help-center-link", json={"ticket_id": "1"}, headers=bearer()).status_code == 400
