"""Feedback surveys: asking CSAT after a chat is resolved or a ticket solved, and taking the answer
once (CSAT or NPS, whose asking is in nps.py), from the widget or from the link in an email
(answering, with what an NPS answer does, is app/services/survey_answers.py).

Asking writes the survey row (and its email, if any) in the caller's transaction: one survey per
chat or ticket, so resolving, reopening and resolving again asks once. The answer is written
into the row once: the same answer again (a retried request) is accepted as it stands, a
different second answer is refused (ConflictError), so nothing is counted twice.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import Conversation, Customer, Message, Survey, Ticket
from app.models.base import utcnow
from app.models.survey import CSAT_RATINGS, NPS_SCALE
from app.services.access import customer_reads, visitors
from app.services.access.visitor_tokens import Visitor
from app.services.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from app.services.platform import outbox, presence
from app.services.platform.outbox import EmailDraft

QUESTIONS = {
    "csat": "How would you rate the support you received?",
    "nps": "How likely are you to recommend us to a friend or colleague?",
}
MAX_COMMENT_CHARS = 2000
NOT_FOUND = "No such survey."


@dataclass(frozen=True)
class Answer:
    """A customer's answer as sent: a CSAT rating (good or bad) or an NPS score (0 to 10), and an
    optional comment."""

    rating: str | None = None
    score: int | None = None
    comment: str | None = None


# --- asking ------------------------------------------------------------------------------------


def ask_once(kind: str, subject_key: str, customer: Customer, *, via: str, channel: str,
             conversation_id: int | None = None, ticket_id: int | None = None,
             agent_id: int | None = None) -> Survey | None:
    """The survey row, once per kind and subject (None when it was asked before), in the caller's
    transaction: a concurrent ask of the same subject inserts nothing."""
    table = Survey.__table__
    survey_id = db.session.execute(
        insert_ignoring_conflicts(table, ["kind", "subject_key"]).returning(table.c.id),
        {"kind": kind, "subject_key": subject_key, "customer_id": customer.id, "conversation_id": conversation_id,
         "ticket_id": ticket_id, "agent_id": agent_id, "stage": customer.stage, "channel": channel,
         "asked_via": via, "asked_at": utcnow()}).scalar()
    return db.session.get(Survey, survey_id) if survey_id is not None else None


def ask_after_chat(conversation: Conversation) -> Survey | None:
    """Called when a chat is resolved, in its transaction: CSAT in the widget, and by email when
    the visitor is no longer on the site and an address is known. None when asked before, or when
    the visitor never wrote (a proactive message nobody answered)."""
    customer = db.session.get(Customer, conversation.customer_id)
    if customer is None or customer.erased_at is not None or not _visitor_wrote(conversation):
        return None
    on_site = bool(presence.live_visitor_sids(customer.id))
    address = conversation.contact_email or customer.email
    via = "widget" if on_site or not address else "email"
    survey = ask_once("csat", f"conversation:{conversation.id}", customer, via=via, channel=conversation.channel,
                  conversation_id=conversation.id, agent_id=conversation.assignee_id)
    if survey is not None and via == "email":
        _email(survey, address, "your chat with us")
    return survey


def _visitor_wrote(conversation: Conversation) -> bool:
    return db.session.scalar(select(Message.id).where(Message.conversation_id == conversation.id,
                                                      Message.author_type == "visitor").limit(1)) is not None


def ask_after_ticket(ticket: Ticket) -> Survey | None:
    """Called when a ticket becomes solved, in its transaction: CSAT by email (to a customer with
    an address). None when asked before, and for a follow-up the helpdesk opened for agents that
    nobody wrote to the customer on (they never saw it)."""
    customer = db.session.get(Customer, ticket.requester_id)
    if customer is None or customer.erased_at is not None or not customer.email:
        return None
    if not customer_reads.customer_can_read(ticket.id):
        return None
    survey = ask_once("csat", f"ticket:{ticket.id}", customer, via="email", channel=ticket.channel,
                  ticket_id=ticket.id, agent_id=ticket.assignee_id)
    if survey is not None:
        _email(survey, customer.email, f"your request #{ticket.id} ({ticket.subject})", ticket_id=ticket.id)
    return survey


def _email(survey: Survey, address: str, about: str, *, ticket_id: int | None = None) -> None:
    shop = current_app.config["HELPDESK_SHOP_NAME"]
    link = survey_link(survey.id)
    outbox.queue_email(EmailDraft(
        kind="csat_survey", to=address, subject=f"How did we do? {shop}", ticket_id=ticket_id,
        dedupe_key=f"survey-{survey.id}",
        text=(f"Hello,\n\nThank you for contacting {shop}. {QUESTIONS['csat']} ({about})\n\n"
              f"Good: {link}?rating=good\nBad: {link}?rating=bad\n\n"
              "One click, and you can add a comment if you like.\n\n"
              f"— {shop}\n")))


# --- the email's link --------------------------------------------------------------------------


def _signature(survey_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey:{survey_id}".encode(), hashlib.sha256).hexdigest()[:32]


def survey_link(survey_id: int) -> str:
    """The address that answers this survey (no sign-in: the link is the key)."""
    return f"{current_app.config['HELPDESK_PUBLIC_URL']}/help/survey/{survey_id}/{_signature(survey_id)}"


def by_link(survey_id: int, signature: str, *, signed_in_customer_id: int | None = None) -> Survey:
    """The survey a link names; NotFoundError for a forged or altered link. A help-center visitor
    signed in as another customer is refused (PermissionDeniedError): the link was sent to
    someone else."""
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _signature(survey_id)):
        raise NotFoundError(NOT_FOUND)
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFoundError(NOT_FOUND)
    if signed_in_customer_id is not None and signed_in_customer_id != survey.customer_id:
        raise PermissionDeniedError("This survey was sent to someone else. Sign out of the help center to answer it.")
    return survey


# --- answering ---------------------------------------------------------------------------------


def check_answer(kind: str, answer: Answer) -> Answer:
    """The answer checked against the survey's scale; DomainError naming the field."""
    if kind == "csat":
        if answer.rating not in CSAT_RATINGS or answer.score is not None:
            raise DomainError("rating must be good or bad.", field="rating")
    elif type(answer.score) is not int or answer.score not in NPS_SCALE or answer.rating is not None:
        raise DomainError("score must be a whole number from 0 to 10.", field="score")
    comment = answer.comment
    if comment is not None and not isinstance(comment, str):
        raise DomainError("comment must be text.", field="comment")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise DomainError(f"comment must be at most {MAX_COMMENT_CHARS} characters.", field="comment")
    return Answer(answer.rating, answer.score, comment)


def visitor_surveys(visitor: Visitor, conversation_id: int) -> list[Survey]:
    """The surveys about one of the visitor's own conversations (none for another's)."""
    customer_id = visitors.owned_profile_id(visitor)
    if customer_id is None:
        return []
    return list(db.session.scalars(select(Survey).where(Survey.conversation_id == conversation_id,
                                                        Survey.customer_id == customer_id)))


def answered_by(survey_id: int, answer: Answer, *, via: str, customer_id: int) -> tuple[Survey, bool]:
    """Write a customer's answer into their survey (locked; flushes, the caller commits).
    Returns (survey, True) when written now, (survey, False) for the same answer again (a retry:
    the transaction is rolled back, nothing changes). NotFoundError for another's survey,
    DomainError for an answer that does not fit, ConflictError for a different second answer;
    each after a rollback."""
    survey = db.session.scalar(select(Survey).where(Survey.id == survey_id, Survey.customer_id == customer_id)
                               .with_for_update().execution_options(populate_existing=True))
    if survey is None:
        db.session.rollback()
        raise NotFoundError(NOT_FOUND)
    try:
        answer = check_answer(survey.kind, answer)
    except DomainError:
        db.session.rollback()
        raise
    if survey.answered:
        db.session.rollback()
        if (survey.rating, survey.score, survey.comment) == (answer.rating, answer.score, answer.comment):
            return survey, False
        raise ConflictError("This survey was answered already: thank you, your first answer counts.")
    survey.rating, survey.score, survey.comment = answer.rating, answer.score, answer.comment
    survey.answered_at, survey.answered_via = utcnow(), via
    db.session.flush()
    return survey, True


# --- reading -----------------------------------------------------------------------------------


def payload(survey: Survey) -> dict:
    """A survey as the widget and the console see it."""
    return {"id": survey.id, "kind": survey.kind, "question": QUESTIONS[survey.kind],
            "conversation_id": survey.conversation_id, "ticket_id": survey.ticket_id,
            "customer_id": survey.customer_id, "answered": survey.answered, "rating": survey.rating,
            "score": survey.score, "comment": survey.comment,
            "answered_at": survey.answered_at.isoformat() if survey.answered_at else None}


def for_conversation(conversation_id: int) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.conversation_id == conversation_id,
                                                  Survey.kind == "csat"))


def for_ticket(ticket_id: int) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.ticket_id == ticket_id, Survey.kind == "csat"))
