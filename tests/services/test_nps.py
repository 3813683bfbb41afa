"""NPS in the service layer, on SQLite and PostgreSQL: who is asked when their widget connects
(retention and loyalty, not erased, not in a chat, NPS on, once per period even under a race),
and what an answer does (once only: the customer's nps_submitted fact, their stage and group
flag, outreach rules on that event, a detractor's follow-up ticket)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db, socketio
from app.models import Customer, CustomerEvent, OutreachDecision, Survey, Ticket, TicketMessage, TicketTag
from app.models.base import utcnow
from app.services import survey_answers
from app.services.access import visitor_tokens, widget_identity
from app.services.access.visitor_tokens import Visitor
from app.services.conversations.live_chat import StartRequest, start_conversation
from app.services.customer_privacy import erase_customer, export_customer
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.feedback import nps, settings, surveys
from app.services.feedback.settings import FeedbackSettings
from app.services.feedback.surveys import Answer
from app.services.outreach import rules
from app.services.outreach.rules import RuleSpec
from app.services.platform.audit import Actor
from app.services.shop_events.ingestion import ingest_events
from app.services.tickets import my_requests, updates
from tests.factories import event, items, order

CHAT = "/chat"
ADMIN = Actor("system", None, "test")


def when(days: float) -> str:
    return (utcnow() - timedelta(days=days)).isoformat()


def buyer(external_id: str = "cust-1", *, orders: int = 2, name: str = "Mia Jensen") -> Customer:
    """A customer with `orders` small orders, the last 40 days ago: retention with two or more."""
    line = items(("TEA", 1, "9.50"))
    events = [event("identify", {"name": name, "email": f"{external_id}@example.com"}, customer=external_id,
                    when=when(200))]
    events += [event("order_placed", order(f"{external_id}-o{n}", line, "9.50"), customer=external_id,
                     when=when(40 + 30 * n)) for n in range(orders)]
    ingest_events(events)
    return db.session.scalar(select(Customer).where(Customer.external_id == external_id))


def visitor(external_id: str = "cust-1") -> Visitor:
    return Visitor(anonymous_id=f"anon-{external_id}", customer_id=external_id)


def widget(app, external_id: str = "cust-1", tab: int = 1):
    """A verified widget socket of the customer (a tab of theirs on the shop)."""
    token = visitor_tokens.issue_visitor_token(f"anon-{external_id}", external_id,
                                               widget_identity.user_hash(external_id)).token
    sio = socketio.test_client(app, namespace=CHAT, auth={"token": token, "page_url": f"https://shop.test/{tab}"})
    assert sio.is_connected(CHAT)
    return sio


def asked(sio) -> list[dict]:
    return [m["args"][0] for m in sio.get_received(CHAT) if m["name"] == "survey_requested"]


def nps_surveys() -> list[Survey]:
    return list(db.session.scalars(select(Survey).where(Survey.kind == "nps").order_by(Survey.id)))


def settle(survey_id: int, *, days: float = 0, minutes: float = 0, period: int = 90) -> None:
    """Move a survey's question back in time (and its period's key with it)."""
    survey = db.session.get(Survey, survey_id)
    survey.asked_at = utcnow() - timedelta(days=days, minutes=minutes)
    survey.subject_key = nps.period_key(survey.customer_id, survey.asked_at, period)
    db.session.commit()


@pytest.mark.parametrize("orders,stage", [(2, "retention"), (4, "loyalty")])
def test_a_customer_in_retention_or_loyalty_is_asked_when_their_widget_connects(any_app, orders, stage):
    customer = buyer(orders=orders)
    assert customer.stage == stage
    sio = widget(any_app)
    (question,) = asked(sio)
    (survey,) = nps_surveys()
    assert question["id"] == survey.id and question["kind"] == "nps" and not question["answered"]
    assert question["question"] == surveys.QUESTIONS["nps"] and question["conversation_id"] is None
    assert (survey.customer_id, survey.stage, survey.channel, survey.asked_via) == (customer.id, stage, "nps",
                                                                                   "widget")
    assert survey.subject_key == nps.period_key(customer.id, survey.asked_at, 90)


def test_once_per_period_even_when_dismissed_and_the_question_follows_the_visit_for_a_while(any_app):
    buyer()
    (first,) = asked(widget(any_app, tab=1))
    # Another page of the same visit shows the same question again, to that page only.
    other = widget(any_app, tab=2)
    assert [q["id"] for q in asked(other)] == [first["id"]]
    # Half an hour later it no longer follows them: dismissed or ignored, asking counted.
    settle(first["id"], minutes=31)
    assert asked(widget(any_app, tab=3)) == []
    settle(first["id"], days=89)
    assert asked(widget(any_app, tab=4)) == [] and len(nps_surveys()) == 1
    # The next period asks again.
    settle(first["id"], days=91)
    (second,) = asked(widget(any_app, tab=5))
    assert second["id"] != first["id"] and len(nps_surveys()) == 2


def test_an_answered_question_does_not_follow_the_visitor(any_app):
    buyer()
    (question,) = asked(widget(any_app))
    survey_answers.answer_as_visitor(visitor(), question["id"], Answer(score=9))
    assert asked(widget(any_app, tab=2)) == []


def test_the_period_comes_from_the_settings(any_app):
    buyer()
    settings.save(FeedbackSettings(nps_period_days=30), by=ADMIN)
    (question,) = asked(widget(any_app))
    settle(question["id"], days=31, period=30)
    assert len(asked(widget(any_app, tab=2))) == 1 and len(nps_surveys()) == 2


def test_nobody_is_asked_while_nps_is_off(any_app):
    buyer()
    settings.save(FeedbackSettings(nps_period_days=0), by=ADMIN)
    assert asked(widget(any_app)) == [] and nps_surveys() == []


def test_customers_outside_retention_and_loyalty_are_not_asked(any_app):
    assert buyer(orders=0).stage == "acquisition"
    ingest_events([event("order_placed", order("o-new", items(("TEA", 1, "9.50")), "9.50"), customer="cust-2",
                         when=when(5))])
    assert db.session.scalar(select(Customer.stage).where(Customer.external_id == "cust-2")) == "conversion"
    assert asked(widget(any_app)) == [] and asked(widget(any_app, "cust-2")) == []
    anonymous = socketio.test_client(any_app, namespace=CHAT,
                                     auth={"token": visitor_tokens.issue_visitor_token("anon-x").token})
    assert asked(anonymous) == [] and nps_surveys() == []


def test_a_visitor_in_an_open_chat_is_not_asked(any_app):
    buyer()
    start_conversation(visitor(), StartRequest(client_key="k-1"))
    assert asked(widget(any_app)) == [] and nps_surveys() == []


def test_an_erased_customer_is_not_asked(any_app):
    customer = buyer()
    erase_customer(customer.id, by=ADMIN)
    assert nps.offer_on_connect(customer.id, sid="sid-1") is None and nps_surveys() == []


def test_two_tabs_connecting_at_once_ask_once(any_app, caplog):
    customer_id = buyer().id
    db.session.rollback()  # this thread holds no transaction (on SQLite: no write lock) while they race
    start = threading.Barrier(8)

    def connect(n: int):
        with any_app.app_context():
            try:
                start.wait()
                return nps.offer_on_connect(customer_id, sid=f"sid-{n}")
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        shown = list(pool.map(connect, range(8)))
    db.session.expire_all()
    (survey,) = nps_surveys()
    # Each tab shows the one question: asked by one, followed by the others; none failed.
    assert {s["id"] for s in shown if s} == {survey.id}
    assert not [r for r in caplog.records if r.getMessage() == "NPS offer failed"]


def test_the_period_key_refuses_a_second_question_without_the_lock(any_app):
    customer = buyer()
    key = nps.period_key(customer.id, utcnow(), 90)
    assert surveys.ask_once("nps", key, customer, via="widget", channel="nps") is not None
    assert surveys.ask_once("nps", key, customer, via="widget", channel="nps") is None
    db.session.commit()
    assert len(nps_surveys()) == 1


# --- answers -----------------------------------------------------------------------------------


def ask(app, external_id: str = "cust-1") -> int:
    (question,) = asked(widget(app, external_id))
    return question["id"]


def follow_ups() -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.client_key.like("helpdesk-nps-%"))))


def test_a_detractor_answer_is_the_customers_fact_flag_and_follow_up_ticket_once(any_app):
    customer_id = buyer().id
    survey_id = ask(any_app)
    answered = survey_answers.answer_as_visitor(visitor(), survey_id, Answer(score=3, comment="  Slow delivery  "))
    assert (answered.score, answered.comment, answered.answered_via) == (3, "Slow delivery", "widget")
    customer = db.session.get(Customer, customer_id)
    assert (customer.nps_score, customer.stage) == (3, "retention")
    assert "detractor" in customer.flags and not customer.is_promoter and not customer.is_passive
    fact = db.session.scalar(select(CustomerEvent).where(CustomerEvent.event_id == f"helpdesk-survey-{survey_id}"))
    assert (fact.type, fact.customer_id, fact.source) == ("nps_submitted", customer_id, "survey")
    assert fact.properties == {"score": 3, "survey_id": survey_id, "comment": "Slow delivery"}
    (ticket,) = follow_ups()
    assert ticket.subject == "Following up on your feedback (NPS 3)" and ticket.requester_id == customer_id
    note = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
    assert (note.body, note.author_type, note.internal) == ("Their comment: Slow delivery", "system", True)
    tags = db.session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket.id))
    assert set(tags) == {"nps", "detractor"}
    # The same answer again (a retry) counts once; a different one is refused.
    again = survey_answers.answer_as_visitor(visitor(), survey_id, Answer(score=3, comment="Slow delivery"))
    assert again.answered_at == answered.answered_at
    with pytest.raises(ConflictError):
        survey_answers.answer_as_visitor(visitor(), survey_id, Answer(score=10))
    assert len(follow_ups()) == 1 and db.session.get(Customer, customer_id).nps_score == 3
    assert db.session.scalar(select(func.count()).select_from(CustomerEvent)
                             .where(CustomerEvent.type == "nps_submitted")) == 1


def test_the_customer_sees_a_follow_up_only_once_an_agent_writes_to_them_on_it(any_app, make_agent):
    customer_id = buyer().id
    db.session.get(Customer, customer_id).email = "mia@example.com"
    survey_answers.answer_as_visitor(visitor(), ask(any_app), Answer(score=2))
    (ticket,) = follow_ups()
    agent = make_agent(name="Bea")
    customer = db.session.get(Customer, customer_id)
    assert my_requests.my_tickets(customer) == []
    with pytest.raises(NotFoundError):
        my_requests.my_ticket(customer, ticket.id)
    # Solved without a word to them: no "how did we do" about a request they never saw.
    by = Actor("agent", agent.id, agent.display_name)
    updates.update_ticket(ticket.id, {"status": "solved"}, expected_version=ticket.version, by=by)
    assert surveys.for_ticket(ticket.id) is None
    updates.reply_as_agent(ticket.id, "Sorry about the delivery, Mia. Can we make it right?", agent=agent,
                                  by=by)
    assert [t.id for t in my_requests.my_tickets(customer)] == [ticket.id]
    thread = my_requests.public_thread(my_requests.my_ticket(customer, ticket.id))
    assert [m.body for m in thread] == ["Sorry about the delivery, Mia. Can we make it right?"]


@pytest.mark.parametrize("score,flag,stage", [(10, "promoter", "loyalty"), (7, "passive", "retention")])
def test_a_promoter_or_passive_answer_sets_the_flag_and_opens_no_ticket(any_app, score, flag, stage):
    customer_id = buyer().id
    survey_answers.answer_as_visitor(visitor(), ask(any_app), Answer(score=score))
    customer = db.session.get(Customer, customer_id)
    assert customer.flags == [flag] and customer.stage == stage and follow_ups() == []


def test_no_follow_up_ticket_when_the_setting_is_off(any_app):
    buyer()
    settings.save(FeedbackSettings(nps_detractor_ticket=False), by=ADMIN)
    survey_answers.answer_as_visitor(visitor(), ask(any_app), Answer(score=0))
    assert follow_ups() == [] and "detractor" in db.session.scalar(select(Customer)).flags


def test_the_newest_answer_wins_over_an_older_one_from_the_shop(any_app):
    customer_id = buyer().id
    ingest_events([event("nps_submitted", {"score": 10}, customer="cust-1", when=when(5))])
    assert db.session.get(Customer, customer_id).is_promoter
    survey_answers.answer_as_visitor(visitor(), ask(any_app), Answer(score=5))
    customer = db.session.get(Customer, customer_id)
    assert customer.flags == ["detractor"] and customer.nps_score == 5


def test_an_outreach_rule_on_nps_submitted_fires_for_a_detractor(any_app):
    rule = rules.save_rule(RuleSpec(
        name="Detractor alert", trigger={"kind": "event", "event": "nps_submitted"},
        audience={"flags": ["detractor"]}, action={"kind": "agent_alert", "body": "Unhappy customer"}), by=ADMIN)
    customer_id = buyer().id
    survey_answers.answer_as_visitor(visitor(), ask(any_app), Answer(score=2))
    decision = db.session.scalar(select(OutreachDecision).where(OutreachDecision.rule_id == rule.id))
    assert decision is not None and decision.customer_id == customer_id and decision.outcome == "shown"


@pytest.mark.parametrize("answer,field", [
    (Answer(score=11), "score"), (Answer(score=-1), "score"), (Answer(score=True), "score"),
    (Answer(score=None), "score"), (Answer(rating="good"), "score"), (Answer(score=5, rating="good"), "score"),
    (Answer(score=5, comment="x" * 2001), "comment"),
])
def test_answers_outside_the_scale_are_refused_and_nothing_is_stored(any_app, answer, field):
    customer_id = buyer().id
    survey_id = ask(any_app)
    with pytest.raises(DomainError) as refused:
        survey_answers.answer_as_visitor(visitor(), survey_id, answer)
    assert refused.value.field == field
    assert not db.session.get(Survey, survey_id).answered and follow_ups() == []
    assert db.session.get(Customer, customer_id).nps_score is None


def test_another_visitors_survey_is_not_found(any_app):
    buyer()
    buyer("cust-2")
    survey_id = ask(any_app)
    with pytest.raises(NotFoundError):
        survey_answers.answer_as_visitor(visitor("cust-2"), survey_id, Answer(score=9))
    with pytest.raises(NotFoundError):
        survey_answers.answer_as_visitor(Visitor(anonymous_id="anon-cust-1"), survey_id, Answer(score=9))
    assert not db.session.get(Survey, survey_id).answered


def test_the_customer_page_reads_the_answers_newest_first(any_app):
    customer_id = buyer().id
    first = ask(any_app)
    survey_answers.answer_as_visitor(visitor(), first, Answer(score=6, comment="Meh"))
    settle(first, days=100)
    second = ask(any_app)
    survey_answers.answer_as_visitor(visitor(), second, Answer(score=9))
    answers = nps.customer_answers(customer_id)
    assert [(a.survey_id, a.score, a.group, a.comment) for a in answers] == [
        (second, 9, "promoter", None), (first, 6, "detractor", "Meh")]


def test_the_export_holds_the_answers_and_erasure_clears_the_comments(any_app):
    customer_id = buyer().id
    survey_id = ask(any_app)
    survey_answers.answer_as_visitor(visitor(), survey_id, Answer(score=4, comment="Too slow"))
    document = export_customer(customer_id, by=ADMIN)
    assert [(s["kind"], s["score"], s["comment"]) for s in document["surveys"]] == [("nps", 4, "Too slow")]
    assert erase_customer(customer_id, by=ADMIN)["survey_comments_blanked"] == 1
    db.session.expire_all()
    survey = db.session.get(Survey, survey_id)
    assert (survey.score, survey.comment) == (4, None)  # the figure stays, the words go
    assert db.session.get(Customer, customer_id).flags == []  # the detractor flag went with the profile


@pytest.mark.parametrize("period,ok", [(0, True), (30, True), (365, True), (29, False), (366, False), (-1, False)])
def test_the_settings_take_0_or_30_to_365_days(any_app, period, ok):
    if ok:
        settings.save(FeedbackSettings(nps_period_days=period), by=ADMIN)
        assert settings.current().nps_period_days == period
    else:
        with pytest.raises(DomainError) as refused:
            settings.save(FeedbackSettings(nps_period_days=period), by=ADMIN)
        assert refused.value.field == "nps_period_days" and settings.current().nps_period_days == 90
