"""The help center's request form: a ticket on channel help_center, once per form, clear errors
that keep what was typed, CSRF and a rate limit."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Customer, Ticket, TicketMessage
from tests.support.html import csrf_from

FORM = "/help/requests/new"


def form_data(client) -> dict:
    html = client.get(FORM).get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="(\w+)"', html).group(1)
    return {"csrf_token": csrf_from(html), "client_key": key, "name": "Ines", "email": "Ines@Example.com",
            "subject": "Broken mug", "body": "My order A-7 came with a broken mug."}


def test_a_request_becomes_one_ticket_for_that_email(client):
    data = form_data(client)
    response = client.post(FORM, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/help/requests/sent")
    assert "answer at Ines@Example.com" in client.get("/help/requests/sent").get_data(as_text=True)
    assert client.post(FORM, data=data).status_code == 302  # a double submit
    ticket = db.session.scalar(db.select(Ticket))
    assert (ticket.channel, ticket.status, ticket.subject) == ("help_center", "new", "Broken mug")
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 1
    customer = db.session.get(Customer, ticket.requester_id)
    assert (customer.email, customer.name) == ("ines@example.com", "Ines")
    assert db.session.scalar(db.select(TicketMessage.author_type)) == "customer"


@pytest.mark.parametrize(("change", "message"), [
    ({"email": "nope"}, "Enter a valid email address"), ({"email": ""}, "Enter your email"),
    ({"subject": ""}, "what it is about"), ({"body": "x" * 20_001}, "Field cannot be longer than 20000"),
])
def test_bad_requests_say_what_is_wrong_and_keep_what_was_typed(client, change, message):
    data = {**form_data(client), **change}
    response = client.post(FORM, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "My order A-7 came with a broken mug." in html or "body" in change
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_csrf_and_the_rate_limit(app, client):
    data = form_data(client)
    assert client.post(FORM, data={**data, "csrf_token": "forged"}).status_code == 400
    app.config["HELPDESK_LIMIT_HELP_REQUESTS"] = "2 per hour"
    statuses = [client.post(FORM, data={**form_data(client), "client_key": f"k{n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
