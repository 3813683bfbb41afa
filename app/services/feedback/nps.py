"""NPS: a customer in retention or loyalty who has the widget open is asked "How likely are you to
recommend us?" (0 to 10, with a comment) at most once per period (Settings › Feedback). The answer
becomes the customer's nps_submitted fact: the lifecycle recomputes their stage and promoter,
passive or detractor flag, and outreach rules triggered by that event run; a detractor's answer
opens a follow-up ticket when the setting says so. What an answer does is a use case across
domains, in app/services/survey_answers.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Conversation, Customer, Survey
from app.models.base import utcnow
from app.services.customers.lifecycle_rules import nps_group
from app.services.feedback import settings, surveys
from app.services.platform import realtime

log = logging.getLogger(__name__)

ASKED_STAGES = ("retention", "loyalty")
# A question not answered yet follows the visitor to the next pages of their visit for this long:
# in a shop where every click loads a new page, the first click would otherwise lose it. Asking
# counts: once it stops following them, the next question waits for the next period.
FOLLOWS_FOR = timedelta(minutes=30)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EVENT_SOURCE = "survey"  # the source of the nps_submitted facts answers become (survey_answers.py)
LATEST = 20  # answers on the customer page


# --- asking ------------------------------------------------------------------------------------


def period_key(customer_id: int, now: datetime, period_days: int) -> str:
    """The survey's subject: one question per customer and period (the unique key of `surveys`
    turns a second, concurrent ask into nothing). The period's length is part of the key, so a
    changed setting cannot land on an old key."""
    return f"nps:{customer_id}:{period_days}d:{(now - EPOCH).days // period_days}"


def offer_on_connect(customer_id: int, *, sid: str) -> dict | None:
    """Called by the widget's connect (/chat) for the profile its token owns, after the socket has
    joined the profile's room. When NPS is due, asks (one commit) and emits `survey_requested` to
    every tab of the visitor; when a question asked in the last 30 minutes is still unanswered,
    emits it again to this socket only (writes nothing). Returns the survey payload shown, or None:
    NPS off, a customer outside retention and loyalty or erased, one in an open chat now, or one
    asked already in this period. A database error is logged and swallowed: the visitor's
    connection must not fail for a survey."""
    try:
        return _offer(customer_id, sid)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("NPS offer failed", extra={"customer_id": customer_id})
        return None


def _offer(customer_id: int, sid: str) -> dict | None:
    now = utcnow()
    period = settings.current().nps_period_days
    if not period or not _askable(customer_id):
        db.session.rollback()
        return None
    last = _last_asked(customer_id)
    if last is not None and last.asked_at > now - timedelta(days=period):
        shown = _still_open(last, now)
        db.session.rollback()
        if shown is not None:
            realtime.nps_requested(customer_id, shown, sid=sid)
        return shown
    survey = _ask(customer_id, period, now)
    if survey is None:  # another tab asked first
        db.session.rollback()
        return None
    shown = surveys.payload(survey)
    db.session.commit()
    realtime.nps_requested(customer_id, shown)
    return shown


def _askable(customer_id: int) -> bool:
    """A customer in retention or loyalty, not erased, and not in a chat now (a question about
    recommending us is out of place in the middle of a support conversation)."""
    stage, erased_at = db.session.execute(
        select(Customer.stage, Customer.erased_at).where(Customer.id == customer_id)).first() or (None, None)
    if stage not in ASKED_STAGES or erased_at is not None:
        return False
    return db.session.scalar(select(Conversation.id).where(
        Conversation.customer_id == customer_id, Conversation.status.in_(("open", "pending"))).limit(1)) is None


def _last_asked(customer_id: int) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.customer_id == customer_id, Survey.kind == "nps")
                             .order_by(Survey.asked_at.desc(), Survey.id.desc()).limit(1)
                             .execution_options(populate_existing=True))


def _still_open(survey: Survey, now: datetime) -> dict | None:
    """The payload of a question asked in this visit and not answered yet, else None."""
    if survey.answered or survey.asked_at <= now - FOLLOWS_FOR:
        return None
    return surveys.payload(survey)


def _ask(customer_id: int, period: int, now: datetime) -> Survey | None:
    """The new survey row (flushes), or None when it is not due after all. The customer's row is
    locked first, so that two tabs connecting at once on PostgreSQL ask one after the other and
    the second sees the first's question (SQLite already writes one transaction at a time); the
    period's unique key holds even without the lock."""
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id).with_for_update()
                                 .execution_options(populate_existing=True))
    last = _last_asked(customer_id)
    if customer is None or (last is not None and last.asked_at > now - timedelta(days=period)):
        return None
    return surveys.ask_once("nps", period_key(customer_id, now, period), customer, via="widget", channel="nps")


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsAnswer:
    """One answer as the customer page shows it."""

    survey_id: int
    score: int
    group: str
    comment: str | None
    answered_at: datetime
    stage: str  # when asked


def customer_answers(customer_id: int, *, limit: int = LATEST) -> list[NpsAnswer]:
    """The customer's NPS answers given in the widget, newest first."""
    rows = db.session.scalars(select(Survey).where(
        Survey.customer_id == customer_id, Survey.kind == "nps", Survey.answered_at.is_not(None))
        .order_by(Survey.answered_at.desc(), Survey.id.desc()).limit(limit))
    return [NpsAnswer(s.id, s.score, nps_group(s.score), s.comment, s.answered_at, s.stage) for s in rows]
