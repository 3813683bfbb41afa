"""The demo shop's CSAT history: the resolved chats and solved tickets of the demo are answered
(most good, some bad, a few with a comment), spread over the days they were resolved, so that the
support report's charts have a shape. Then the reports' daily figures are rebuilt for every day
of the demo. Idempotent: a chat or ticket with a survey already is left alone."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import Agent, Conversation, Customer, Message, Survey, Ticket
from app.models.base import utcnow
from app.services.reports import daily_figures

GOOD_COMMENTS = ("Quick and friendly, thanks!", "Solved in two minutes.", "Very helpful, I found the right size.",
                 "Thanks for the discount code!", "Great service.")
BAD_COMMENTS = ("I had to wait too long.", "The answer did not help with my order.",
                "Still waiting for the refund.", "Felt like a bot.")
ANSWER_SHARE = 0.8  # of resolved chats and solved tickets, as shops see it (many never answer)


def _good_share(stage: str) -> float:
    # Shoppers helped at checkout rate best in the demo; those back after a problem a little worse.
    return {"acquisition": 0.86, "conversion": 0.92, "retention": 0.78, "loyalty": 0.9}.get(stage, 0.82)


def seed_feedback(seed: int = 11) -> int:
    """Answer the demo's resolved chats and solved tickets that have no survey yet; returns how many."""
    rng = random.Random(seed)
    now = utcnow()
    bea = db.session.scalar(select(Agent.id).where(Agent.email == "bea@demo.shop"))
    rows = []
    chats = db.session.execute(
        select(Conversation, Customer).join(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.status == "resolved",
               ~select(Survey.id).where(Survey.conversation_id == Conversation.id).exists(),
               select(Message.id).where(Message.conversation_id == Conversation.id,
                                        Message.author_type == "visitor").exists())
        .order_by(Conversation.id))
    for conversation, customer in chats:
        at = conversation.last_message_at or conversation.created_at
        rows.append(_row(rng, f"conversation:{conversation.id}", customer, at, now, conversation_id=conversation.id,
                         channel=conversation.channel, agent_id=conversation.assignee_id or bea))
    solved = db.session.scalars(select(Survey).join(Ticket, Ticket.id == Survey.ticket_id)
                                .where(Survey.answered_at.is_(None), Ticket.status.in_(("solved", "closed"))))
    answered = 0
    for survey in solved:
        # Decided by the survey's own id, so a second seed leaves the same ones unanswered.
        if random.Random(f"{seed}:{survey.id}").random() < ANSWER_SHARE:
            _answer(rng, survey, survey.asked_at + timedelta(minutes=rng.uniform(5, 600)), now)
            answered += 1
    made = [r for r in rows if r is not None]
    if made:
        table = Survey.__table__
        db.session.execute(insert_ignoring_conflicts(table, ["kind", "subject_key"]), made)
    db.session.commit()
    daily_figures.rebuild_all()
    return len(made) + answered


def _row(rng: random.Random, subject: str, customer: Customer, at, now, **fields) -> dict | None:
    row = {"kind": "csat", "subject_key": subject, "customer_id": customer.id, "stage": customer.stage,
           "asked_via": "widget", "asked_at": at, "ticket_id": None, **fields}
    if rng.random() >= ANSWER_SHARE:
        row.update(answered_at=None, answered_via=None, rating=None, score=None, comment=None)
        return row
    good = rng.random() < _good_share(customer.stage)
    comment = rng.choice(GOOD_COMMENTS if good else BAD_COMMENTS) if rng.random() < 0.35 else None
    row.update(answered_at=min(at + timedelta(minutes=rng.uniform(0.5, 30)), now), answered_via="widget",
               rating="good" if good else "bad", score=None, comment=comment)
    return row


def _answer(rng: random.Random, survey: Survey, at, now) -> None:
    good = rng.random() < _good_share(survey.stage)
    survey.rating = "good" if good else "bad"
    survey.comment = rng.choice(GOOD_COMMENTS if good else BAD_COMMENTS) if rng.random() < 0.35 else None
    survey.answered_at, survey.answered_via = min(at, now), "email"
