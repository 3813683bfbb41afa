"""The support report's daily figures: chats and tickets per day and channel, first-response and
resolution times as a histogram a day, SLA targets met or breached, CSAT answers by stage, agent
and channel. Each function computes its metrics for the UTC moments [since, until)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Conversation, Survey, Ticket
from app.services.reports.families import Family, Row, as_date, bucket, day_of


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60  # both aware: UTCDateTime returns UTC


def _counts(column, key, where, since: datetime, until: datetime):
    day = day_of(column)
    query = select(day, key, func.count()).where(column >= since, column < until, *where).group_by(day, key)
    return db.session.execute(query)


def _chat_figures(since: datetime, until: datetime) -> Iterable[Row]:
    for day, channel, n in _counts(Conversation.created_at, Conversation.channel, (), since, until):
        yield Row(as_date(day), "conversations", channel, n)


def _ticket_figures(since: datetime, until: datetime) -> Iterable[Row]:
    for day, channel, n in _counts(Ticket.created_at, Ticket.channel, (), since, until):
        yield Row(as_date(day), "tickets_created", channel, n)
    for day, channel, n in _counts(Ticket.solved_at, Ticket.channel, (), since, until):
        yield Row(as_date(day), "tickets_solved", channel, n)
    for metric, column in (("first_response", Ticket.first_response_at), ("resolution", Ticket.solved_at)):
        days: dict[date, Counter] = {}
        totals: Counter = Counter()
        rows = db.session.execute(select(day_of(column), Ticket.created_at, column)
                                  .where(column >= since, column < until))
        for day, created, done in rows:
            minutes = max(0.0, _minutes(done, created))
            days.setdefault(as_date(day), Counter())[bucket(minutes)] += 1
            totals[as_date(day)] += minutes
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
                yield Row(as_date(day_value), "sla", f"{target}:{outcome}", n)


def _csat_figures(since: datetime, until: datetime) -> Iterable[Row]:
    day = day_of(Survey.answered_at)
    query = (select(day, Survey.rating, Survey.stage, Survey.agent_id, Survey.channel, func.count())
             .where(Survey.kind == "csat", Survey.answered_at >= since, Survey.answered_at < until)
             .group_by(day, Survey.rating, Survey.stage, Survey.agent_id, Survey.channel))
    merged: Counter = Counter()
    for day_value, rating, stage, agent_id, channel, n in db.session.execute(query):
        d = as_date(day_value)
        merged[(d, "csat", rating)] += n
        merged[(d, "csat_stage", f"{stage}:{rating}")] += n
        merged[(d, "csat_agent", f"{agent_id or 0}:{rating}")] += n
        merged[(d, "csat_channel", f"{channel}:{rating}")] += n
    for (d, metric, key), n in merged.items():
        yield Row(d, metric, key, n)


FAMILIES = (
    Family(("conversations",), _chat_figures),
    Family(("tickets_created", "tickets_solved", "first_response", "resolution", "sla"), _ticket_figures),
    Family(("csat", "csat_stage", "csat_agent", "csat_channel"), _csat_figures),
)
