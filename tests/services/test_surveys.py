"""CSAT surveys in the service layer, on SQLite and PostgreSQL: a resolved chat asks its visitor
once (in the widget while they are on the site, by email once they left), a solved ticket asks by
email once, an answer is written once (a retry is harmless, a different second answer refused,
an answer outside the scale refused), and the answer shows on the customer's journey map."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db, socketio
from app.models import Customer, OutboxEmail, Survey
from app.services import survey_answers
from app.services.access import visitor_tokens
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import inbox
from app.services.customers.queries import journey
from app.services.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from app.services.feedback import surveys
from app.services.feedback.surveys import Answer
from app.services.platform.audit import CLI
from app.services.tickets import intake, updates
from tests.factories import make_conversation, make_ticket

CHAT = "/chat"


def online(app, anonymous_id: str):
    token = visitor_tokens.issue_visitor_token(anonymous_id).token
    sio = socketio.test_client(app, namespace=CHAT, auth={"token": token})
    assert sio.is_connected(CHAT)
    return sio


def count(kind: str = "csat") -> int:
    return db.session.scalar(select(func.count()).select_from(Survey).where(Survey.kind == kind))


def test_a_resolved_chat_asks_its_visitor_once_in_the_widget(any_app):
    sio = online(any_app, "anon-1")
    visitor, conversation = Visitor("anon-1"), make_conversation("anon-1", message="Where is my parcel?")
    sio.emit("join_conversation", {"conversation_id": conversation.id, "since_seq": 0}, namespace=CHAT, callback=True)
    sio.get_received(CHAT)
    inbox.set_status(conversation.id, "resolved", by=CLI)
    asked = [m["args"][0] for m in sio.get_received(CHAT) if m["name"] == "survey_requested"]
    assert [(a["kind"], a["conversation_id"], a["answered"]) for a in asked] == [("csat", conversation.id, False)]
    survey = db.session.get(Survey, asked[0]["id"])
    assert (survey.asked_via, survey.stage, survey.channel) == ("widget", "acquisition", "chat")
    inbox.set_status(conversation.id, "open", by=CLI)
    inbox.set_status(conversation.id, "resolved", by=CLI)
    assert count() == 1 and db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert [s.id for s in surveys.visitor_surveys(visitor, conversation.id)] == [survey.id]
    assert surveys.visitor_surveys(Visitor(anonymous_id="someone-else"), conversation.id) == []


def test_a_visitor_who_left_is_asked_by_email_and_a_chat_nobody_wrote_in_is_not_asked(any_app):
    conversation = make_conversation("anon-2", message="Where is my parcel?", contact_email="ana@example.com")
    inbox.set_status(conversation.id, "resolved", by=CLI)
    survey = surveys.for_conversation(conversation.id)
    email = db.session.scalar(select(OutboxEmail))
    assert survey.asked_via == "email" and email.to_address == "ana@example.com" and email.kind == "csat_survey"
    assert surveys.survey_link(survey.id) + "?rating=good" in email.text_body
    silent = make_conversation("anon-3", client_key="k-silent")
    inbox.set_status(silent.id, "resolved", by=CLI)
    assert surveys.for_conversation(silent.id) is None


def test_a_solved_ticket_asks_by_email_once(any_app, make_agent):
    agent = make_agent(name="Bea")
    ticket = make_ticket(email="carl@example.com")
    updates.reply_as_agent(ticket.id, "A new one is on its way.", agent=agent, status_after="solved", by=CLI)
    survey = surveys.for_ticket(ticket.id)
    assert (survey.asked_via, survey.channel, survey.agent_id) == ("email", "help_center", None)
    ticket = intake.get_ticket(ticket.id)
    updates.update_ticket(ticket.id, {"status": "open"}, expected_version=ticket.version, by=CLI)
    ticket = intake.get_ticket(ticket.id)
    updates.update_ticket(ticket.id, {"status": "solved"}, expected_version=ticket.version, by=CLI)
    assert count() == 1
    mails = db.session.scalars(select(OutboxEmail.kind).where(OutboxEmail.to_address == "carl@example.com")).all()
    assert sorted(mails).count("csat_survey") == 1


def test_an_answer_counts_once_and_shows_on_the_journey(any_app):
    sio = online(any_app, "anon-1")
    visitor, conversation = Visitor("anon-1"), make_conversation("anon-1", message="Where is my parcel?")
    sio.emit("join_conversation", {"conversation_id": conversation.id, "since_seq": 0}, namespace=CHAT, callback=True)
    inbox.set_status(conversation.id, "resolved", by=CLI)
    survey = surveys.for_conversation(conversation.id)
    with pytest.raises(NotFoundError):
        survey_answers.answer_as_visitor(Visitor(anonymous_id="someone-else"), survey.id, Answer("good"))
    with pytest.raises(DomainError) as refused:
        survey_answers.answer_as_visitor(visitor, survey.id, Answer("great"))
    assert refused.value.field == "rating"
    with pytest.raises(DomainError):
        survey_answers.answer_as_visitor(visitor, survey.id, Answer(None, 9))
    answered = survey_answers.answer_as_visitor(visitor, survey.id, Answer("bad", None, "  Took two days.  "))
    assert (answered.rating, answered.comment, answered.answered_via) == ("bad", "Took two days.", "widget")
    again = survey_answers.answer_as_visitor(visitor, survey.id, Answer("bad", None, "Took two days."))
    assert again.answered_at == answered.answered_at  # a retry: nothing changes
    with pytest.raises(ConflictError):
        survey_answers.answer_as_visitor(visitor, survey.id, Answer("good"))
    stored = db.session.get(Survey, survey.id)
    db.session.refresh(stored)
    assert (stored.rating, stored.comment) == ("bad", "Took two days.")
    news = [m["args"][0] for m in sio.get_received(CHAT) if m["name"] == "survey_answered"]
    assert len(news) == 1 and news[0]["rating"] == "bad"
    customer = db.session.get(Customer, conversation.customer_id)
    point = next(p for p in journey(customer.id) if p.kind == "csat")
    assert point.title == "Rated support: bad" and "Took two days." in point.detail


def test_the_email_link_is_the_key_and_refuses_another_signed_in_customer(any_app):
    conversation = make_conversation("anon-2", message="Where is my parcel?", contact_email="ana@example.com")
    inbox.set_status(conversation.id, "resolved", by=CLI)
    survey = surveys.for_conversation(conversation.id)
    signature = surveys.survey_link(survey.id).rsplit("/", 1)[1]
    with pytest.raises(NotFoundError):
        surveys.by_link(survey.id, "0" * 32)
    with pytest.raises(NotFoundError):
        surveys.by_link(survey.id + 1, signature)
    with pytest.raises(PermissionDeniedError):
        survey_answers.answer_by_link(survey.id, signature, Answer("good"),
                                      signed_in_customer_id=survey.customer_id + 100)
    answered = survey_answers.answer_by_link(survey.id, signature, Answer("good"))
    assert answered.answered_via == "email" and answered.rating == "good"
