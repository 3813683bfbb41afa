"""The reports' daily figures (daily_figures): rebuilt per UTC day from the source tables, so a
report over months reads a few thousand small rows, not every ticket and event.

A day's figures are always rebuilt whole (deleted and computed again in one transaction), never
incremented, so a job that runs twice or a retried request counts nothing twice. What the
running app changes lands on today: `ensure_fresh` (called by the report pages) rebuilds today
and yesterday when the sources' stamp moved since the last rebuild (a few index lookups), the
hourly job rebuilds the last 31 days (more for figures that look ahead for an order, and the
cohorts of the last year, whose churn moves with time), and `rebuild` does any range (the
demo's history, an import). The families of figures live in figures_support, figures_lifecycle
and figures_feedback.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Conversation, CustomerEvent, DailyFigure, Order, StageTransition, Survey, Ticket
from app.models.base import utcnow
from app.services.platform.settings_store import get_setting, put_setting
from app.services.reports import figures_feedback, figures_lifecycle, figures_support
from app.services.reports.families import Family, bucket, bucket_width, midnight

__all__ = ["FAMILIES", "bucket", "bucket_width", "ensure_fresh", "rebuild", "rebuild_all", "rebuild_recent",
           "refreshed_at"]

SETTINGS_KEY = "reports"
RECENT_DAYS = 31
COHORT_DAYS = 366  # the hourly job's cohorts: a year of them, as their churn changes with time
FAMILIES: tuple[Family, ...] = (*figures_support.FAMILIES, *figures_lifecycle.FAMILIES, *figures_feedback.FAMILIES)
_INSERT_BATCH = 5000


def _rebuild_family(family: Family, first: date, last: date) -> int:
    """Delete and compute again one family's figures of first..last (widened to whole months for
    the cohorts); flushes, the caller commits."""
    if family.widen:
        first, last = family.widen(first, last)
    db.session.execute(delete(DailyFigure).where(DailyFigure.day >= first, DailyFigure.day <= last,
                                                 DailyFigure.metric.in_(family.metrics)))
    rows = [{"day": r.day, "metric": r.metric, "key": r.key[:80], "count": r.count, "total": r.total,
             "buckets": r.buckets} for r in family.compute(midnight(first), midnight(last) + timedelta(days=1))]
    for start in range(0, len(rows), _INSERT_BATCH):
        db.session.execute(insert(DailyFigure), rows[start:start + _INSERT_BATCH])
    return len(rows)


def _rebuild(spans: list[tuple[Family, date, date]]) -> int:
    written = sum(_rebuild_family(family, first, last) for family, first, last in spans)
    put_setting(SETTINGS_KEY, {"refreshed_at": utcnow().isoformat(), "stamp": _stamp()})
    db.session.commit()
    return written


def rebuild(first: date, last: date) -> int:
    """Compute every figure of the days first..last again (one commit); returns the rows written."""
    return _rebuild([(family, first, last) for family in FAMILIES])


def rebuild_all() -> int:
    """Every day that has data (the demo's seed, an import)."""
    firsts = [db.session.scalar(select(func.min(column))) for column in (
        Conversation.created_at, Ticket.created_at, Survey.answered_at, StageTransition.occurred_at,
        Order.placed_at)]
    known = [f for f in firsts if f is not None]
    today = utcnow().date()
    return rebuild(min(known).date() if known else today, today)


def rebuild_recent() -> dict:
    """The hourly job: the last RECENT_DAYS days, more for a family whose days settle later."""
    today = utcnow().date()
    spans = []
    for family in FAMILIES:
        days = max(RECENT_DAYS, family.settle_days + 1, COHORT_DAYS if family.widen else 0)
        spans.append((family, today - timedelta(days=days - 1), today))
    return {"rows": _rebuild(spans)}


def _stamp() -> str:
    """What moves whenever the app writes something a figure counts: an index lookup each."""
    values = (db.session.scalar(select(func.max(Conversation.id))),
              db.session.scalar(select(func.max(Ticket.updated_at))),
              *(db.session.scalar(select(func.max(Survey.answered_at)).where(Survey.kind == kind))
                for kind in ("csat", "nps")),
              db.session.scalar(select(func.max(StageTransition.id))),
              db.session.scalar(select(func.max(Order.id))),
              *(db.session.scalar(select(func.max(CustomerEvent.occurred_at)).where(CustomerEvent.type == kind))
                for kind in ("referral_made", "nps_submitted")))
    return json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])


def refreshed_at() -> datetime | None:
    value = (get_setting(SETTINGS_KEY) or {}).get("refreshed_at")
    return datetime.fromisoformat(value) if value else None


def ensure_fresh() -> bool:
    """Called before a report is read: rebuild today and yesterday if the sources moved since the
    last rebuild. Returns whether it rebuilt."""
    stored = (get_setting(SETTINGS_KEY) or {}).get("stamp")
    if stored == _stamp():
        db.session.rollback()
        return False
    today = utcnow().date()
    try:
        rebuild(today - timedelta(days=1), today)
    except IntegrityError:  # another request rebuilt the same days at the same moment
        db.session.rollback()
        return False
    return True
