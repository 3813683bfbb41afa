"""The reports' daily figures against direct queries of generated data with known answers, on
SQLite and PostgreSQL: counts per day, CSAT by stage, agent and channel, medians and p90s to their
bucket's resolution, SLA attainment; a rebuild twice counts nothing twice; a page's freshness
check picks up today's new answer."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Conversation, Customer, DailyFigure, Survey, Ticket
from app.models.base import utcnow
from app.services.reports import daily_figures
from app.services.reports.families import bucket, bucket_width
from app.services.reports.support import percentile, support_report

START = datetime(2026, 9, 1, tzinfo=UTC)
STAGES = ("acquisition", "conversion", "retention", "loyalty")


def generate(rng: random.Random, agent_ids: list[int]) -> dict:
    """30 days of chats, tickets (with first responses, solutions and SLA targets) and CSAT."""
    customers = [Customer(external_id=f"c{i}", stage=STAGES[i % 4]) for i in range(40)]
    db.session.add_all(customers)
    db.session.flush()
    first_minutes, solved_minutes = [], []
    for n in range(300):
        at = START + timedelta(days=rng.randrange(30), minutes=rng.randrange(1440))
        who = rng.choice(customers)
        chat = Conversation(customer_id=who.id, status="resolved", channel=rng.choice(("chat", "proactive")),
                            created_at=at, last_message_at=at, assignee_id=rng.choice(agent_ids + [None]))
        db.session.add(chat)
        db.session.flush()
        if rng.random() < 0.6:
            rating = "good" if rng.random() < 0.8 else "bad"
            db.session.add(Survey(kind="csat", subject_key=f"conversation:{chat.id}", customer_id=who.id,
                                  conversation_id=chat.id, agent_id=chat.assignee_id, stage=who.stage,
                                  channel=chat.channel, asked_via="widget", asked_at=at,
                                  answered_at=at + timedelta(minutes=rng.uniform(1, 90)), answered_via="widget",
                                  rating=rating))
        if n % 2:
            first = rng.choice((rng.uniform(0, 59), rng.uniform(60, 600), rng.uniform(600, 5000)))
            solved = first + rng.uniform(0, 3000)
            ticket = Ticket(subject=f"T{n}", channel=rng.choice(("email", "help_center")), requester_id=who.id,
                            status="solved", created_at=at, updated_at=at,
                            first_response_at=at + timedelta(minutes=first), solved_at=at + timedelta(minutes=solved))
            db.session.add(ticket)
            db.session.flush()
            # A 4-hour first-response target (set past the SLA service, which has no policy here).
            due = at + timedelta(minutes=240)
            db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(
                first_response_due_at=due, first_response_breached_at=due if first > 240 else None))
            first_minutes.append(first)
            solved_minutes.append(solved)
    db.session.commit()
    return {"first": first_minutes, "solved": solved_minutes}


def within_bucket(value: float, figure: float) -> bool:
    edge = bucket(value)
    return edge <= figure <= edge + bucket_width(edge)


def test_the_figures_match_direct_queries(any_app, make_agent):
    agents = [make_agent(name="Ana"), make_agent(name="Ben")]
    known = generate(random.Random(5), [a.id for a in agents])
    last = (START + timedelta(days=29)).date()
    daily_figures.rebuild(START.date(), last)
    rows = db.session.scalar(select(func.count()).select_from(DailyFigure))
    daily_figures.rebuild(START.date(), last)  # again: the same rows, nothing counted twice
    assert db.session.scalar(select(func.count()).select_from(DailyFigure)) == rows
    report = support_report(START.date(), last)

    per_day = [0] * 30
    for (at,) in db.session.execute(select(Conversation.created_at)):
        per_day[(at.date() - START.date()).days] += 1
    assert report.conversations == per_day and report.total_conversations == 300
    assert report.total_tickets == 150 and sum(report.tickets_solved) == db.session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.solved_at < datetime(2026, 10, 1, tzinfo=UTC)))

    answers = db.session.execute(select(Survey.stage, Survey.rating, Survey.agent_id, Survey.channel)).all()
    assert (report.csat.good, report.csat.bad) == (sum(a.rating == "good" for a in answers),
                                                   sum(a.rating == "bad" for a in answers))
    for rate in report.by_stage:
        stage = rate.label.lower()
        assert (rate.good, rate.bad) == (sum(a.stage == stage and a.rating == "good" for a in answers),
                                         sum(a.stage == stage and a.rating == "bad" for a in answers))
    names = {a.id: a.display_name for a in agents} | {None: "Nobody assigned"}
    by_agent = {r.label: (r.good, r.bad) for r in report.by_agent}
    for agent_id, name in names.items():
        assert by_agent[name] == (sum(a.agent_id == agent_id and a.rating == "good" for a in answers),
                                  sum(a.agent_id == agent_id and a.rating == "bad" for a in answers))
    assert sum(r.answers for r in report.by_channel) == len(answers)

    # Medians and p90s: to the resolution of the bucket the exact value falls in.
    # Medians and p90s: to the resolution of the bucket the exact value falls in; each ticket on
    # the day of its first response (or solution), so those after the month are not in it.
    end = datetime(2026, 10, 1, tzinfo=UTC)
    for duration, column in ((report.first_response, Ticket.first_response_at), (report.resolution, Ticket.solved_at)):
        exact = [(done - created).total_seconds() / 60 for created, done in db.session.execute(
            select(Ticket.created_at, column).where(column < end))]
        assert duration.n == len(exact) and len(exact) > 100
        assert within_bucket(statistics.median(exact), duration.median)
        assert within_bucket(statistics.quantiles(exact, n=10, method="inclusive")[8], duration.p90)
    settled = [(created, first) for created, first in db.session.execute(select(Ticket.created_at,
                                                                                Ticket.first_response_at))
               if min(first, created + timedelta(minutes=240)) < end]
    met = sum((first - created) <= timedelta(minutes=240) for created, first in settled)
    assert (report.sla["first_response"].good, report.sla["first_response"].bad) == (met, len(settled) - met)
    assert len(known["first"]) == 150


def test_percentiles_interpolate_inside_a_bucket():
    assert percentile({}, 0.5) is None
    assert percentile({10: 1}, 0.5) == 10.5
    assert percentile({0: 1, 60: 1, 240: 2}, 0.5) == 65.0
    assert [bucket(m) for m in (0.2, 59.9, 61, 239, 250, 2879, 3000)] == [0, 59, 60, 235, 240, 2850, 2880]


def test_a_page_rebuilds_today_once_the_sources_moved(any_app):
    customer = Customer(external_id="c1", stage="conversion")
    db.session.add(customer)
    db.session.commit()
    daily_figures.rebuild_all()
    assert daily_figures.ensure_fresh() is False  # nothing moved
    now = utcnow()
    chat = Conversation(customer_id=customer.id, status="resolved", created_at=now, last_message_at=now)
    db.session.add(chat)
    db.session.flush()
    db.session.add(Survey(kind="csat", subject_key=f"conversation:{chat.id}", customer_id=customer.id,
                          conversation_id=chat.id, stage="conversion", channel="chat", asked_via="widget",
                          asked_at=now, answered_at=now, answered_via="widget", rating="good"))
    db.session.commit()
    assert daily_figures.ensure_fresh() is True
    report = support_report(now.date() - timedelta(days=6), now.date())
    assert report.conversations[-1] == 1 and report.csat_good[-1] == 1 and report.by_stage[0].label == "Conversion"
    assert daily_figures.ensure_fresh() is False
