"""The demo's CSAT history: the resolved chats and solved tickets answered over the month, once
(a second seed adds nothing), and the support report built from it has a shape (the year of
buyers from demo_lifecycle adds older answers, outside the report's default month)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.demo import seed
from app.demo.feedback import seed_feedback
from app.extensions import db
from app.models import Survey
from app.models.base import utcnow
from app.services.reports.families import midnight
from app.services.reports.support import support_report


def test_the_demo_answers_spread_over_the_month_and_the_report_shows_them(app):
    seed.seed_demo()
    answered = db.session.scalar(select(func.count()).select_from(Survey).where(Survey.answered_at.is_not(None)))
    assert seed_feedback() == 0  # nothing left to answer: a second seed changes nothing
    assert db.session.scalar(select(func.count()).select_from(Survey).where(Survey.answered_at.is_not(None))) \
        == answered >= 30
    today = utcnow().date()
    since = midnight(today - timedelta(days=29))
    in_month = db.session.scalar(select(func.count()).select_from(Survey).where(
        Survey.kind == "csat", Survey.answered_at >= since))
    report = support_report(today - timedelta(days=29), today)
    assert report.csat.answers == in_month >= 30 and report.csat.good > report.csat.bad > 0
    assert sum(1 for good, bad in zip(report.csat_good, report.csat_bad, strict=True) if good or bad) >= 15
    assert {r.label for r in report.by_stage} >= {"Acquisition", "Conversion"}
