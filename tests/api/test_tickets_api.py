"""POST /api/v1/tickets and GET /api/v1/tickets/<id>: the shop's server opens and reads tickets."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Ticket, TicketEvent
from app.services.access import api_keys
from app.services.platform.audit import CLI
from tests.factories import make_profile


@pytest.fixture
def headers(app):
    return {"Authorization": f"Bearer {api_keys.create_api_key('Shop server', by=CLI).secret}"}


def test_a_ticket_by_customer_id_or_email_once_per_client_key(client, headers):
    make_profile("cust-k")  # the shop's customer exists
    body = {"subject": "Invoice needed", "body": "For order 77, please.", "customer_id": "cust-k",
            "priority": "high", "tags": ["Invoice"], "client_key": "order-77"}
    first = client.post("/api/v1/tickets", json=body, headers=headers)
    again = client.post("/api/v1/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]
    assert (first.json["channel"], first.json["customer_id"], first.json["priority"]) == ("api", "cust-k", "high")
    assert [m["body"] for m in first.json["messages"]] == ["For order 77, please."]
    by_email = client.post("/api/v1/tickets", json={"subject": "Hi", "body": "A question", "email": "new@example.com"},
                           headers=headers)
    assert by_email.status_code == 201 and by_email.json["customer_id"] is None
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 2
    actor = db.session.scalar(db.select(TicketEvent.actor_label).where(TicketEvent.field == "created"))
    assert actor == "API key Shop server"
    read = client.get(f"/api/v1/tickets/{first.json['id']}", headers=headers)
    assert read.status_code == 200 and read.json["subject"] == "Invoice needed"


@pytest.mark.parametrize(("body", "status"), [
    ({"body": "no subject", "email": "a@example.com"}, 422), ({"subject": "no body", "email": "a@example.com"}, 422),
    ({"subject": "x" * 201, "body": "b", "email": "a@example.com"}, 422), ({"subject": "who?", "body": "b"}, 400),
    ({"subject": "s", "body": "b", "customer_id": "nobody"}, 404), ({"subject": "s", "body": "b", "email": "x"}, 422),
    ({"subject": "s", "body": "b", "email": "a@example.com", "priority": "asap"}, 422),
])
def test_bad_requests_get_a_clear_error_and_store_nothing(client, headers, body, status):
    response = client.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == status and response.json["error"]["message"]
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_the_key_is_required_and_unknown_tickets_are_404(client, headers):
    anonymous = client.post("/api/v1/tickets", json={"subject": "s", "body": "b", "email": "a@example.com"})
    assert anonymous.status_code == 401
    assert client.get("/api/v1/tickets/12345", headers=headers).status_code == 404
