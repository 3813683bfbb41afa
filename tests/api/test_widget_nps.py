"""NPS over HTTP: the widget answers its visitor's NPS question through /api/v1/widget/surveys with
the visitor token. A score outside 0 to 10 names the field, a second different answer is a 409,
another visitor's survey a 404, and the same answer again a 200 that counts once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db, socketio
from app.models import Customer, CustomerEvent, Survey, Ticket
from app.services.access import visitor_tokens, widget_identity
from tests.services.test_nps import buyer

URL = "/api/v1/widget/surveys"


def token(external_id: str = "cust-1") -> str:
    return visitor_tokens.issue_visitor_token(f"anon-{external_id}", external_id,
                                              widget_identity.user_hash(external_id)).token


def bearer(external_id: str = "cust-1") -> dict:
    return {"Authorization": f"Bearer {token(external_id)}"}


@pytest.fixture
def asked(app) -> int:
    """Mia, in retention, has the widget open: the id of the NPS question it got."""
    buyer()
    sio = socketio.test_client(app, namespace="/chat", auth={"token": token()})
    (question,) = [m["args"][0] for m in sio.get_received("/chat") if m["name"] == "survey_requested"]
    assert question["kind"] == "nps"
    return question["id"]


def count(model, *criteria) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*criteria))


@pytest.mark.parametrize("body,status", [
    ({"score": 11}, 422), ({"score": -1}, 422), ({"score": "7"}, 422), ({"score": 7.5}, 422),
    ({"comment": "No score"}, 400), ({"rating": "good"}, 400), ({"score": 7, "comment": "x" * 2001}, 422),
])
def test_an_answer_outside_the_scale_names_the_field_and_stores_nothing(client, asked, body, status):
    response = client.post(f"{URL}/{asked}/answer", json=body, headers=bearer())
    field = "comment" if "comment" in body and "score" in body else "score"
    assert response.status_code == status and field in response.json["error"]["fields"]
    assert not db.session.get(Survey, asked).answered
    assert count(CustomerEvent, CustomerEvent.type == "nps_submitted") == 0


def test_an_answer_counts_once_and_a_different_second_one_is_a_conflict(client, asked):
    path = f"{URL}/{asked}/answer"
    first = client.post(path, json={"score": 3, "comment": "The parcel came late."}, headers=bearer())
    assert first.status_code == 200 and first.json["answered"] and first.json["score"] == 3
    assert first.headers["Cache-Control"] == "private, no-store"
    retried = client.post(path, json={"score": 3, "comment": "The parcel came late."}, headers=bearer())
    assert retried.status_code == 200 and retried.json["answered_at"] == first.json["answered_at"]
    second = client.post(path, json={"score": 9}, headers=bearer())
    assert second.status_code == 409 and "answered already" in second.json["error"]["message"]
    customer = db.session.scalar(select(Customer).where(Customer.external_id == "cust-1"))
    assert customer.nps_score == 3 and customer.is_detractor
    assert count(CustomerEvent, CustomerEvent.type == "nps_submitted") == 1
    assert count(Ticket, Ticket.requester_id == customer.id) == 1


def test_another_visitors_survey_is_not_found_and_a_missing_token_unauthorised(client, asked):
    buyer("cust-2")
    path = f"{URL}/{asked}/answer"
    assert client.post(path, json={"score": 9}, headers=bearer("cust-2")).status_code == 404
    anonymous = {"Authorization": f"Bearer {visitor_tokens.issue_visitor_token('anon-cust-1').token}"}
    assert client.post(path, json={"score": 9}, headers=anonymous).status_code == 404
    assert client.post(path, json={"score": 9}).status_code == 401
    assert client.post(f"{URL}/{asked + 1}/answer", json={"score": 9}, headers=bearer()).status_code == 404
    assert not db.session.get(Survey, asked).answered


def test_the_answer_reaches_the_visitors_other_tabs(app, client, asked):
    other_tab = socketio.test_client(app, namespace="/chat", auth={"token": token()})
    other_tab.get_received("/chat")
    client.post(f"{URL}/{asked}/answer", json={"score": 10}, headers=bearer())
    answered = [m["args"][0] for m in other_tab.get_received("/chat") if m["name"] == "survey_answered"]
    assert [(a["id"], a["kind"], a["score"]) for a in answered] == [(asked, "nps", 10)]
