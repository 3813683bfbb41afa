"""CSAT over HTTP: the widget reads and answers its visitor's survey (/api/v1/widget/surveys, with
the visitor token), and the email's link opens a page that answers once. Bad answers get clear
4xx answers and change nothing that was stored."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import OutboxEmail, Survey
from app.services.access import visitor_tokens
from app.services.feedback import surveys
from app.services.platform.audit import CLI
from app.services.tickets import intake, updates
from tests.factories import make_conversation, make_ticket
from tests.support.html import csrf_from

URL = "/api/v1/widget/surveys"
LINK = re.compile(r"http://[^/\s]+(/help/survey/\d+/\w+)\?rating=(good|bad)")
SIGN_IN = re.compile(r"http://[^/\s]+(/help/sign-in/[\w-]+)")


def bearer(anonymous_id: str = "anon-1") -> dict:
    return {"Authorization": f"Bearer {visitor_tokens.issue_visitor_token(anonymous_id).token}"}


def test_the_widget_reads_and_answers_its_own_survey(client):
    conversation_id = make_conversation("anon-1", message="Hello?", status="resolved").id
    listed = client.get(URL, query_string={"conversation_id": conversation_id}, headers=bearer())
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "private, no-store"
    (survey,) = listed.json["surveys"]
    assert survey["kind"] == "csat" and not survey["answered"] and survey["question"] == surveys.QUESTIONS["csat"]
    path = f"{URL}/{survey['id']}/answer"
    assert client.get(URL, query_string={"conversation_id": conversation_id},
                      headers=bearer("someone-else")).json == {"surveys": []}
    assert client.post(path, json={"rating": "good"}, headers=bearer("someone-else")).status_code == 404
    assert client.post(path, json={"rating": "good"}).status_code == 401
    outside = client.post(path, json={"rating": "great"}, headers=bearer())
    assert outside.status_code == 422 and "rating" in outside.json["error"]["fields"]
    wrong_scale = client.post(path, json={"score": 11}, headers=bearer())
    assert wrong_scale.status_code == 422 and "score" in wrong_scale.json["error"]["fields"]
    no_rating = client.post(path, json={"comment": "hm"}, headers=bearer())
    assert no_rating.status_code == 400 and "rating" in no_rating.json["error"]["fields"]
    assert client.post(path, data="{", content_type="application/json", headers=bearer()).status_code == 400
    answered = client.post(path, json={"rating": "good", "comment": "Quick and kind <b>thanks</b>"}, headers=bearer())
    assert answered.status_code == 200 and answered.json["answered"] and answered.json["rating"] == "good"
    retried = client.post(path, json={"rating": "good", "comment": "Quick and kind <b>thanks</b>"}, headers=bearer())
    assert retried.status_code == 200 and retried.json["answered_at"] == answered.json["answered_at"]
    second = client.post(path, json={"rating": "bad"}, headers=bearer())
    assert second.status_code == 409 and "answered already" in second.json["error"]["message"]
    assert db.session.get(Survey, survey["id"]).rating == "good"


def test_the_answer_shows_escaped_on_the_conversation_page(client, admin):
    conversation_id = make_conversation("anon-1", message="Hello?", status="resolved").id
    survey = surveys.for_conversation(conversation_id)
    client.post(f"{URL}/{survey.id}/answer", json={"rating": "bad", "comment": "<script>x()</script>"},
                headers=bearer())
    page = client.get(f"/console/inbox/{conversation_id}").get_data(as_text=True)
    assert "data-survey-rating>Bad</span>" in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page


def test_the_email_link_answers_once_and_not_for_someone_else(client, make_agent):
    ticket = make_ticket()
    agent = make_agent(name="Bea")
    updates.reply_as_agent(ticket.id, "Sent a new one.", agent=agent, status_after="solved", by=CLI)
    email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.kind == "csat_survey"))
    path, rating = LINK.search(email.text_body).groups()
    assert rating == "good"
    page = client.get(f"{path}?rating=bad")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "How would you rate the support you received?" in html
    assert re.search(r'<input checked[^>]*value="bad"', html)  # the email's choice, preselected
    assert db.session.get(Survey, surveys.for_ticket(ticket.id).id).answered_at is None  # opening answers nothing
    assert client.get(path[:-4] + "0000").status_code == 404
    missing = client.post(path, data={"csrf_token": csrf_from(html)})
    assert missing.status_code == 400 and "Choose good or bad." in missing.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_from(html), "rating": "bad", "comment": "Slow."})
    assert done.status_code == 200 and "Thank you for your feedback" in done.get_data(as_text=True)
    survey = surveys.for_ticket(ticket.id)
    assert (survey.rating, survey.comment, survey.answered_via) == ("bad", "Slow.", "email")
    again = client.post(path, data={"csrf_token": csrf_from(html), "rating": "good"})
    assert again.status_code == 409 and "answered already" in again.get_data(as_text=True)
    assert surveys.for_ticket(ticket.id).rating == "bad"
    ticket_page = client.get(path)
    assert ticket_page.status_code == 200 and "your first answer counts" in ticket_page.get_data(as_text=True)


def test_a_link_opened_while_signed_in_as_another_customer_is_refused(client):
    mine = make_ticket(subject="Mine", body="Mine.", email="ana@example.com")
    theirs = make_ticket(subject="Theirs", body="Theirs.", email="ben@example.com")
    for ticket in (mine, theirs):
        ticket = intake.get_ticket(ticket.id)
        updates.update_ticket(ticket.id, {"status": "solved"}, expected_version=ticket.version, by=CLI)
    received = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.kind == "ticket_received",
                                                             OutboxEmail.to_address == "ana@example.com"))
    sign_in = SIGN_IN.search(received.text_body).group(1)
    confirm = client.get(sign_in).get_data(as_text=True)
    client.post(sign_in, data={"csrf_token": csrf_from(confirm)})
    their_email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.kind == "csat_survey",
                                                                OutboxEmail.to_address == "ben@example.com"))
    path, _rating = LINK.search(their_email.text_body).groups()
    refused = client.get(path)
    assert refused.status_code == 403 and "sent to someone else" in refused.get_data(as_text=True)
