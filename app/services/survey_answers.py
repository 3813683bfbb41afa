"""Answering a survey: a use case across domains. The answer is written once into the survey
(feedback); an NPS answer also becomes the customer's nps_submitted fact, as if the shop had sent
it (shop_events: the lifecycle sets the stage and the promoter, passive or detractor flag, and
event-triggered outreach rules run), and a detractor's opens a follow-up ticket for an agent when
Settings › Feedback says so (tickets). All of it is one commit: the answer is not stored without
what it does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import AnonymousVisitor, Customer, Survey, Ticket
from app.services.access import visitors
from app.services.access.visitor_tokens import Visitor
from app.services.customers.lifecycle_rules import nps_group
from app.services.errors import NotFoundError
from app.services.feedback import settings as feedback_settings
from app.services.feedback import surveys
from app.services.feedback.nps import EVENT_SOURCE
from app.services.feedback.surveys import Answer
from app.services.platform import realtime
from app.services.platform.audit import Actor
from app.services.shop_events import ingestion
from app.services.tickets import intake
from app.services.tickets.intake import Requester, TicketRequest

TICKET_CHANNEL = "api"
NPS_ACTOR = Actor("system", label="NPS follow-up")


def answer_as_visitor(visitor: Visitor, survey_id: int, answer: Answer) -> Survey:
    """Called by the widget: the visitor answers one of their own surveys (404 for another's)."""
    customer_id = visitors.owned_profile_id(visitor)
    if customer_id is None:
        raise NotFoundError(surveys.NOT_FOUND)
    return _answer(survey_id, answer, via="widget", customer_id=customer_id)


def answer_by_link(survey_id: int, signature: str, answer: Answer, *,
                   signed_in_customer_id: int | None = None) -> Survey:
    """Called by the email's survey page."""
    survey = surveys.by_link(survey_id, signature, signed_in_customer_id=signed_in_customer_id)
    return _answer(survey.id, answer, via="email", customer_id=survey.customer_id)


def _answer(survey_id: int, answer: Answer, *, via: str, customer_id: int) -> Survey:
    survey, written = surveys.answered_by(survey_id, answer, via=via, customer_id=customer_id)
    if not written:
        return survey  # the same answer again: a retry
    try:
        effects = _nps_effects(survey) if survey.kind == "nps" else None
    except Exception:
        db.session.rollback()  # the answer is not stored without what it does
        raise
    db.session.commit()
    realtime.survey_answered(surveys.payload(survey))
    if effects is not None:
        effects.announce()
    return survey


@dataclass(frozen=True)
class AnswerEffects:
    """What an NPS answer changed besides the survey row, to announce after its commit."""

    applied: ingestion.Applied
    ticket: Ticket | None = None

    def announce(self) -> None:
        """After the commit: watching agents see the customer change, outreach is delivered, the
        follow-up ticket reaches the ticket lists."""
        ingestion.announce(self.applied)
        if self.ticket is not None:
            realtime.ticket_changed(intake.ticket_payload(self.ticket), created=True)


def _nps_effects(survey: Survey) -> AnswerEffects:
    """When an NPS answer is written, in its transaction (flushes only).

    The answer is ingested as the customer's nps_submitted event, with an id made from the
    survey's ("helpdesk-survey-<id>"), so it can be applied once only; the newest answer wins, the
    lifecycle sets the stage and the group's flag, and event-triggered outreach rules run. Then,
    for a detractor (0 to 6) while the setting is on, a ticket for an agent to follow up, one per
    survey. Routing sees the detractor flag already."""
    customer = db.session.get(Customer, survey.customer_id)
    applied = ingestion.stage_events([_fact(survey, customer)], source=EVENT_SOURCE)
    ticket = None
    if nps_group(survey.score) == "detractor" and feedback_settings.current().nps_detractor_ticket:
        ticket = _follow_up(survey, customer)
    return AnswerEffects(applied, ticket)


def _fact(survey: Survey, customer: Customer) -> dict:
    """The answer as the shop would send it: an nps_submitted event naming the customer."""
    properties = {"score": survey.score, "survey_id": survey.id}
    if survey.comment:
        properties["comment"] = survey.comment
    event = {"id": f"helpdesk-survey-{survey.id}", "type": "nps_submitted",
             "timestamp": survey.answered_at.isoformat(), "properties": properties}
    if customer.external_id is not None:
        event["customer_id"] = customer.external_id
    else:  # an anonymous profile that the widget's token owns has a visitor id
        event["anonymous_id"] = db.session.scalar(select(AnonymousVisitor.anonymous_id).where(
            AnonymousVisitor.customer_id == customer.id).order_by(AnonymousVisitor.id).limit(1))
    return event


def _follow_up(survey: Survey, customer: Customer) -> Ticket | None:
    """A ticket on the customer for an agent to follow up (flushes); None when this survey has
    one already."""
    key = f"helpdesk-nps-{survey.id}"
    if intake.find_by_client_key(TICKET_CHANNEL, key) is not None:
        return None
    return intake.build_ticket(TicketRequest(
        subject=f"Following up on your feedback (NPS {survey.score})",  # the customer reads it once answered
        body=f"Their comment: {survey.comment}" if survey.comment else "They left no comment.",
        channel=TICKET_CHANNEL, tags=("nps", "detractor"), requester=Requester(customer_id=customer.id),
        client_key=key, for_agents=True), by=NPS_ACTOR)
