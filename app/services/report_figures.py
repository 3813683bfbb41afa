"""The reports' daily figures (daily_figures): rebuilt per UTC day from the source tables, so a
report over months reads a few thousand small rows, not every ticket and event.

A day's figures are always rebuilt whole (deleted and computed again in one transaction), never
incremented, so a job that runs twice or a retried request counts nothing twice. What the
running app changes lands on today: `ensure_fresh` (called by the report pages) rebuilds today
and yesterday when the sources' stamp moved since the last rebuild (three index lookups), the
hourly job rebuilds the last 31 days (a ticket solved last week and reopened today leaves that
day), and `rebuild` does any range (the demo's history, an import).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Conversation, DailyFigure, Survey, Ticket
from app.models.base import utcnow
from app.services.settings_store import get_setting, put_setting

SETTINGS_KEY = "reports"
RECENT_DAYS = 31

# Durations are kept as counts per bucket (minutes, lower edge): one minute wide below an hour,
# 5 minutes below 4 hours, 30 minutes below 2 days, then whole days. A median or p90 over any
# range is read from the merged buckets, to that resolution.
_EDGES = [*range(0, 60), *range(60, 240, 5), *range(240, 2880, 30)]


def bucket(minutes: float) -> int:
    """The lower edge (minutes) of the bucket a duration falls in."""
    if minutes < 0:
        return 0
    if minutes >= 2880:
        return int(minutes // 1440) * 1440
    return _EDGES[bisect_right(_EDGES, minutes) - 1]


def bucket_width(edge: int) -> int:
    return 1 if edge < 60 else 5 if edge < 240 else 30 if edge < 2880 else 1440


@dataclass(frozen=True)
class Row:
    day: date
    metric: str
    key: str
    count: int
    total: float = 0.0
    buckets: dict | None = None


def day_of(column):
    """The UTC calendar day of a timestamp column, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60  # both aware: UTCDateTime returns UTC


# --- the families of figures: each computes its metrics for [since, until) ---------------------


def _counts(column, key, where, since: datetime, until: datetime):
    day = day_of(column)
    query = select(day, key, func.count()).where(column >= since, column < until, *where).group_by(day, key)
    return db.session.execute(query)


def _chat_figures(since: datetime, until: datetime) -> Iterable[Row]:
    for day, channel, n in _counts(Conversation.created_at, Conversation.channel, (), since, until):
        yield Row(_as_date(day), "conversations", channel, n)


def _ticket_figures(since: datetime, until: datetime) -> Iterable[Row]:
    for day, channel, n in _counts(Ticket.created_at, Ticket.channel, (), since, until):
        yield Row(_as_date(day), "tickets_created", channel, n)
    for day, channel, n in _counts(Ticket.solved_at, Ticket.channel, (), since, until):
        yield Row(_as_date(day), "tickets_solved", channel, n)
    for metric, column in (("first_response", Ticket.first_response_at), ("resolution", Ticket.solved_at)):
        days: dict[date, Counter] = {}
        totals: Counter = Counter()
        rows = db.session.execute(select(day_of(column), Ticket.created_at, column)
                                  .where(column >= since, column < until))
        for day, created, done in rows:
            minutes = max(0.0, _minutes(done, created))
            days.setdefault(_as_date(day), Counter())[bucket(minutes)] += 1
            totals[_as_date(day)] += minutes
        for day, histogram in days.items():
            yield Row(day, metric, "", sum(histogram.values()), totals[day],
                      {str(edge): n for edge, n in sorted(histogram.items())})
    yield from _sla_figures(since, until)


def _sla_figures(since: datetime, until: datetime) -> Iterable[Row]:
    """Each SLA target once it was met or breached, on the day that was known."""
    for target, done, breached, due in (
        ("first_response", Ticket.first_response_at, Ticket.first_response_breached_at, Ticket.first_response_due_at),
        ("resolution", Ticket.solved_at, Ticket.resolution_breached_at, Ticket.resolution_due_at),
    ):
        # Two index range reads: met (done in time, never breached) and breached (when it was known).
        for outcome, column, where in (("met", done, (breached.is_(None), due.is_not(None))),
                                       ("breached", breached, ())):
            day = day_of(column)
            query = select(day, func.count()).where(column >= since, column < until, *where).group_by(day)
            for day_value, n in db.session.execute(query):
                yield Row(_as_date(day_value), "sla", f"{target}:{outcome}", n)


def _csat_figures(since: datetime, until: datetime) -> Iterable[Row]:
    day = day_of(Survey.answered_at)
    query = (select(day, Survey.rating, Survey.stage, Survey.agent_id, Survey.channel, func.count())
             .where(Survey.kind == "csat", Survey.answered_at >= since, Survey.answered_at < until)
             .group_by(day, Survey.rating, Survey.stage, Survey.agent_id, Survey.channel))
    merged: Counter = Counter()
    for day_value, rating, stage, agent_id, channel, n in db.session.execute(query):
        d = _as_date(day_value)
        merged[(d, "csat", rating)] += n
        merged[(d, "csat_stage", f"{stage}:{rating}")] += n
        merged[(d, "csat_agent", f"{agent_id or 0}:{rating}")] += n
        merged[(d, "csat_channel", f"{channel}:{rating}")] += n
    for (d, metric, key), n in merged.items():
        yield Row(d, metric, key, n)


FAMILIES = (
    (("conversations",), _chat_figures),
    (("tickets_created", "tickets_solved", "first_response", "resolution", "sla"), _ticket_figures),
    (("csat", "csat_stage", "csat_agent", "csat_channel"), _csat_figures),
)


# --- rebuilding --------------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def rebuild(first: date, last: date) -> int:
    """Compute every figure of the days first..last again (one commit); returns the rows written."""
    since, until = _midnight(first), _midnight(last) + timedelta(days=1)
    written = 0
    for metrics, compute in FAMILIES:
        db.session.execute(delete(DailyFigure).where(DailyFigure.day >= first, DailyFigure.day <= last,
                                                     DailyFigure.metric.in_(metrics)))
        rows = [{"day": r.day, "metric": r.metric, "key": r.key[:80], "count": r.count, "total": r.total,
                 "buckets": r.buckets} for r in compute(since, until)]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(DailyFigure), rows[start:start + 5000])
        written += len(rows)
    put_setting(SETTINGS_KEY, {"refreshed_at": utcnow().isoformat(), "stamp": _stamp()})
    db.session.commit()
    return written


def rebuild_all() -> int:
    """Every day that has data (the demo's seed, an import)."""
    firsts = [db.session.scalar(select(func.min(Conversation.created_at))),
              db.session.scalar(select(func.min(Ticket.created_at))),
              db.session.scalar(select(func.min(Survey.answered_at)))]
    known = [f for f in firsts if f is not None]
    today = utcnow().date()
    return rebuild(min(known).date() if known else today, today)


def rebuild_recent() -> dict:
    """The hourly job: the last RECENT_DAYS days."""
    today = utcnow().date()
    return {"rows": rebuild(today - timedelta(days=RECENT_DAYS - 1), today)}


def _stamp() -> str:
    """What moves whenever the app writes something a figure counts: three index lookups."""
    values = (db.session.scalar(select(func.max(Conversation.id))),
              db.session.scalar(select(func.max(Ticket.updated_at))),
              db.session.scalar(select(func.max(Survey.answered_at)).where(Survey.kind == "csat")))
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
