"""The lifecycle, cohort, loyalty and "support and buying" figures against direct computations on
generated data with known answers, on SQLite and PostgreSQL: stage moves and the counts at a
period's start, who moved on, cohorts (ordered in each month, ordered again, churned), NPS by
period, stage and score, referrals, shoppers' days with and without a contact, buyers after a
good or bad CSAT; a rebuild twice counts nothing twice; a page picks up today's new facts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    STAGES,
    Conversation,
    Customer,
    CustomerEvent,
    DailyFigure,
    Message,
    Order,
    StageTransition,
    Survey,
    Ticket,
)
from app.models.base import utcnow
from app.services.customers.lifecycle_rules import nps_group
from app.services.reports import daily_figures
from app.services.reports.cohorts import cohort_report
from app.services.reports.families import months_between
from app.services.reports.lifecycle import lifecycle_report
from app.services.reports.loyalty import loyalty_report
from app.services.reports.retention import retention_report

START = datetime(2025, 11, 1, tzinfo=UTC)  # the data spans START .. START + DAYS
DAYS = 400
CUSTOMERS = 60


def _at(rng: random.Random, first_day: float = 0, last_day: float = DAYS) -> datetime:
    return START + timedelta(days=rng.uniform(first_day, last_day))


def _stage_history(rng: random.Random, customer: Customer) -> None:
    """A chain of moves forward (sometimes back), the first one from nothing."""
    at, stage = _at(rng, 0, 100), None
    for _ in range(rng.randint(1, 5)):
        choices = [s for s in STAGES if s != stage]
        to = rng.choice(choices)
        db.session.add(StageTransition(customer_id=customer.id, from_stage=stage, to_stage=to, occurred_at=at,
                                       reason="test"))
        stage, at = to, at + timedelta(days=rng.uniform(1, 90))
    customer.stage = stage


def generate(rng: random.Random) -> list[Customer]:
    customers = [Customer(external_id=f"c{i}", stage="reach", is_churned=rng.random() < 0.3)
                 for i in range(CUSTOMERS)]
    db.session.add_all(customers)
    db.session.flush()
    for n, customer in enumerate(customers):
        _stage_history(rng, customer)
        for k in range(rng.choice((0, 1, 1, 2, 3, 5))):
            placed = _at(rng)
            refunded = placed + timedelta(days=2) if rng.random() < 0.1 else None
            db.session.add(Order(external_order_id=f"o{n}-{k}", customer_id=customer.id, placed_at=placed,
                                 total=10, refunded_at=refunded))
        for k in range(rng.randint(0, 6)):  # days on the site
            db.session.add(CustomerEvent(event_id=f"pv{n}-{k}", type="page_viewed", customer_id=customer.id,
                                         occurred_at=_at(rng), properties={}))
        if rng.random() < 0.3:
            db.session.add(CustomerEvent(event_id=f"ref{n}", type="referral_made", customer_id=customer.id,
                                         occurred_at=_at(rng), properties={}))
        if rng.random() < 0.5:
            answered = _at(rng)
            db.session.add(Survey(kind="nps", subject_key=f"nps:{n}", customer_id=customer.id,
                                  stage=rng.choice(STAGES), channel="nps", asked_via="widget",
                                  asked_at=answered, answered_at=answered, answered_via="widget",
                                  score=rng.randint(0, 10), comment="ok" if n % 3 else None))
        for k in range(rng.randint(0, 2)):  # support contacts
            at = _at(rng)
            if rng.random() < 0.5:
                chat = Conversation(customer_id=customer.id, status="resolved", created_at=at, last_message_at=at,
                                    client_key=f"k{n}-{k}")
                db.session.add(chat)
                db.session.flush()
                if rng.random() < 0.8:  # a chat the visitor never wrote in is not a contact
                    db.session.add(Message(conversation_id=chat.id, seq=1, client_msg_id=f"m{n}-{k}",
                                           author_type="visitor", body="hi", created_at=at))
                db.session.add(Survey(kind="csat", subject_key=f"conversation:{chat.id}", customer_id=customer.id,
                                      conversation_id=chat.id, stage="retention", channel="chat", asked_via="widget",
                                      asked_at=at, answered_at=at + timedelta(minutes=5), answered_via="widget",
                                      rating=rng.choice(("good", "good", "bad"))))
            else:
                db.session.add(Ticket(subject="T", channel=rng.choice(("email", "api")), requester_id=customer.id,
                                      status="open", created_at=at, updated_at=at))
    db.session.commit()
    return customers


def _orders() -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = {}
    for cid, placed in db.session.execute(select(Order.customer_id, Order.placed_at).where(
            Order.refunded_at.is_(None)).order_by(Order.placed_at)):
        found.setdefault(cid, []).append(placed)
    return found


def test_the_lifecycle_figures_match_direct_computations(any_app):
    generate(random.Random(3))
    first_day, last_day = START.date(), (START + timedelta(days=DAYS)).date()
    daily_figures.rebuild(first_day, last_day)
    rows = db.session.scalar(select(func.count()).select_from(DailyFigure))
    daily_figures.rebuild(first_day, last_day)  # again: nothing counted twice
    assert db.session.scalar(select(func.count()).select_from(DailyFigure)) == rows

    first, last = (START + timedelta(days=40)).date(), (START + timedelta(days=120)).date()
    report = lifecycle_report(first, last)
    moves = db.session.execute(select(StageTransition.customer_id, StageTransition.from_stage,
                                      StageTransition.to_stage, StageTransition.occurred_at)
                               .order_by(StageTransition.occurred_at)).all()
    inside = [m for m in moves if first <= m.occurred_at.date() <= last]
    assert Counter((m.from_stage, m.to_stage) for m in inside) == \
        Counter({(m.from_stage, m.to_stage): m.count for m in report.moves})
    before: dict[int, str] = {}
    for m in moves:
        if m.occurred_at.date() < first:
            before[m.customer_id] = m.to_stage
    assert report.at_start == {s: sum(v == s for v in before.values()) for s in STAGES}
    for step in report.steps:
        entered = sum(m.to_stage == step.stage for m in inside)
        moved = sum(m.from_stage == step.stage and STAGES.index(m.to_stage) > STAGES.index(step.stage)
                    for m in inside)
        assert (step.candidates, step.moved) == (report.at_start[step.stage] + entered, moved)
    now = Counter(db.session.scalars(select(Customer.stage)))
    assert {s.stage: s.customers for s in report.now} == {s: now.get(s, 0) for s in STAGES}
    assert sum(s.flags["churned"] for s in report.now) == db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.is_churned))


def test_the_cohorts_match_direct_computations(any_app):
    generate(random.Random(4))
    daily_figures.rebuild(START.date(), (START + timedelta(days=DAYS)).date())
    today = (START + timedelta(days=DAYS)).date()
    cohorts = cohort_report(START.date(), (START + timedelta(days=330)).date(), today=today)
    churned = dict(db.session.execute(select(Customer.id, Customer.is_churned)).all())
    orders = _orders()
    assert len(cohorts) == 11  # November 2025 to September 2026
    for cohort in cohorts:
        members = {cid: placed for cid, placed in orders.items()
                   if (placed[0].year, placed[0].month) == (cohort.month.year, cohort.month.month)}
        assert cohort.customers == len(members)
        assert cohort.churned == sum(churned[cid] for cid in members)
        for k in range(len(cohort.active)):
            assert cohort.active[k] == sum(
                any(months_between(cohort.month, p.date()) == k for p in placed) for placed in members.values())
            assert cohort.repeat[k] == sum(
                len(placed) > 1 and months_between(cohort.month, placed[1].date()) <= k for placed in members.values())
        assert len(cohort.active) == min(13, months_between(cohort.month, today) + 1)
    assert sum(c.customers for c in cohorts) > 20


def test_the_loyalty_figures_match_direct_computations(any_app):
    generate(random.Random(5))
    daily_figures.rebuild(START.date(), (START + timedelta(days=DAYS)).date())
    first, last = (START + timedelta(days=100)).date(), (START + timedelta(days=300)).date()
    report = loyalty_report(first, last)
    answers = [a for a in db.session.execute(select(Survey.stage, Survey.score, Survey.answered_at, Survey.comment)
                                             .where(Survey.kind == "nps")) if first <= a.answered_at.date() <= last]
    groups = Counter(nps_group(a.score) for a in answers)
    assert (report.overall.promoters, report.overall.passives, report.overall.detractors) == (
        groups["promoter"], groups["passive"], groups["detractor"])
    assert report.overall.score == round(100 * (groups["promoter"] - groups["detractor"]) / len(answers))
    assert report.scores == [sum(a.score == s for a in answers) for s in range(11)]
    assert report.bucket == "month" and sum(n.answers for n in report.over_time) == len(answers)
    for n in report.by_stage:
        mine = [a for a in answers if a.stage == n.label.lower()]
        assert n.answers == len(mine) and n.promoters == sum(a.score >= 9 for a in mine)
    referrals = [at for (at,) in db.session.execute(select(CustomerEvent.occurred_at)
                                                    .where(CustomerEvent.type == "referral_made"))]
    assert report.total_referrals == sum(first <= at.date() <= last for at in referrals) > 0
    commented = sorted((a.answered_at for a in answers if a.comment), reverse=True)[:8]
    assert [c.answered_at for c in report.comments] == commented


def _shopper_days(first, last) -> Counter:
    """What figures_feedback counts, computed the plain way from the rows."""
    days: dict[tuple, list] = {}
    for cid, at in db.session.execute(select(CustomerEvent.customer_id, CustomerEvent.occurred_at)
                                      .where(CustomerEvent.type == "page_viewed")):
        entry = days.setdefault((at.date(), cid), [at, None])
        entry[0] = min(entry[0], at)
    contacts = [(c.customer_id, c.created_at) for c in db.session.scalars(select(Conversation))
                if db.session.scalar(select(Message.id).where(Message.conversation_id == c.id).limit(1))]
    contacts += [(t.requester_id, t.created_at) for t in db.session.scalars(select(Ticket))
                 if t.channel != "api"]
    for cid, at in contacts:
        entry = days.setdefault((at.date(), cid), [at, None])
        entry[1] = at if entry[1] is None else min(entry[1], at)
    orders, tally = _orders(), Counter()
    for (day, cid), (viewed, contacted) in days.items():
        if not first <= day <= last:
            continue
        moment, group = (contacted, "contacted") if contacted else (viewed, "not_contacted")
        placed = orders.get(cid, [])
        after = [p for p in placed if p >= moment]
        tally[f"{group}:days"] += 1
        tally[f"{group}:bought"] += bool(after and after[0] < moment + timedelta(days=7))
        if any(p < moment for p in placed):
            tally[f"{group}:buyer_days"] += 1
            tally[f"{group}:again"] += bool(after and after[0] < moment + timedelta(days=30))
    return tally


def test_the_support_and_buying_figures_match_direct_computations(any_app):
    generate(random.Random(6))
    daily_figures.rebuild(START.date(), (START + timedelta(days=DAYS)).date())
    first, last = (START + timedelta(days=30)).date(), (START + timedelta(days=330)).date()
    report = retention_report(first, last)
    tally = _shopper_days(first, last)
    assert (report.bought.first.whole, report.bought.first.part) == (tally["contacted:days"],
                                                                     tally["contacted:bought"])
    assert (report.bought.second.whole, report.bought.second.part) == (tally["not_contacted:days"],
                                                                       tally["not_contacted:bought"])
    assert (report.again.first.whole, report.again.first.part) == (tally["contacted:buyer_days"],
                                                                   tally["contacted:again"])
    assert tally["contacted:days"] > 5 and tally["not_contacted:days"] > 50
    orders, churned = _orders(), dict(db.session.execute(select(Customer.id, Customer.is_churned)).all())
    for rating, comparison_share in (("good", report.after_csat_again.first), ("bad", report.after_csat_again.second)):
        answers = [(cid, at) for cid, at, r in db.session.execute(
            select(Survey.customer_id, Survey.answered_at, Survey.rating).where(Survey.kind == "csat"))
            if r == rating and first <= at.date() <= last and any(p < at for p in orders.get(cid, []))]
        again = sum(any(at <= p < at + timedelta(days=60) for p in orders.get(cid, [])) for cid, at in answers)
        assert (comparison_share.whole, comparison_share.part) == (len(answers), again)
        share = report.after_csat_churned.first if rating == "good" else report.after_csat_churned.second
        assert share.part == sum(churned[cid] for cid, _ in answers)


def test_a_page_picks_up_todays_moves_orders_and_answers(any_app):
    customer = Customer(external_id="c1", stage="conversion")
    db.session.add(customer)
    db.session.commit()
    daily_figures.rebuild_all()
    assert daily_figures.ensure_fresh() is False
    now = utcnow()
    db.session.add_all([
        StageTransition(customer_id=customer.id, from_stage="acquisition", to_stage="conversion", occurred_at=now,
                        reason="first order"),
        Order(external_order_id="today", customer_id=customer.id, placed_at=now, total=5),
        Survey(kind="nps", subject_key="nps:today", customer_id=customer.id, stage="conversion", channel="nps",
               asked_via="widget", asked_at=now, answered_at=now, answered_via="widget", score=10)])
    db.session.commit()
    assert daily_figures.ensure_fresh() is True
    today = now.date()
    assert {s.stage: s.moved for s in lifecycle_report(today, today).steps}["acquisition"] == 1
    assert [(m.from_stage, m.to_stage, m.count) for m in lifecycle_report(today, today).moves] == [
        ("acquisition", "conversion", 1)]
    assert cohort_report(today, today, today=today)[0].customers == 1
    assert loyalty_report(today, today).overall.promoters == 1
    assert daily_figures.ensure_fresh() is False


def test_nps_the_shop_sends_counts_in_its_stage_before_and_the_helpdesks_own_answers_count_once(any_app):
    from app.services.shop_events.ingestion import ingest_events
    from tests.factories import event

    customer = Customer(external_id="c1", stage="retention")
    db.session.add(customer)
    db.session.flush()
    now = utcnow()
    db.session.add(StageTransition(customer_id=customer.id, from_stage="conversion", to_stage="retention",
                                   occurred_at=now - timedelta(days=3), reason="second order"))
    # The helpdesk's own survey answer: a Survey row and the event made from it (source survey).
    db.session.add_all([
        Survey(kind="nps", subject_key="nps:own", customer_id=customer.id, stage="retention", channel="nps",
               asked_via="widget", asked_at=now - timedelta(hours=5), answered_at=now - timedelta(hours=5),
               answered_via="widget", score=4, comment="Slow"),
        CustomerEvent(event_id="helpdesk-survey-1", type="nps_submitted", customer_id=customer.id,
                      occurred_at=now - timedelta(hours=5), source="survey", properties={"score": 4})])
    db.session.commit()
    daily_figures.rebuild_all()
    # Then the shop's own survey tool: a promoter's answer (counted in the stage they were in before it).
    sent = event("nps_submitted", {"score": 10, "comment": "Love the <b>mugs</b>"}, customer="c1",
                 when=(now - timedelta(hours=1)).isoformat())
    silent = event("nps_submitted", {"score": 8}, customer="c1", when=(now - timedelta(hours=2)).isoformat())
    assert ingest_events([sent, silent]).accepted == 2
    assert daily_figures.ensure_fresh() is True  # the new answer moved the stamp
    today = now.date()
    report = loyalty_report(today, today)
    assert (report.overall.promoters, report.overall.passives, report.overall.detractors) == (1, 1, 1)
    assert [(s.label, s.answers) for s in report.by_stage] == [("Retention", 3)]
    assert [(c.score, c.comment) for c in report.comments] == [(10, "Love the <b>mugs</b>"), (4, "Slow")]


def test_the_stage_at_a_moment_is_the_last_move_at_it_or_just_before_it(any_app):
    from app.services.customers.lifecycle import stages_at, stages_at_moments

    first, second = Customer(external_id="a", stage="retention"), Customer(external_id="b", stage="reach")
    db.session.add_all([first, second])
    db.session.flush()
    t = utcnow()
    db.session.add_all([
        StageTransition(customer_id=first.id, from_stage="reach", to_stage="conversion", occurred_at=t - timedelta(1),
                        reason="first order"),
        StageTransition(customer_id=first.id, from_stage="conversion", to_stage="retention", occurred_at=t,
                        reason="an answer that moved them")])
    db.session.commit()
    moments = {first.id: t, second.id: t}
    assert stages_at(moments) == {first.id: "retention", second.id: "reach"}
    assert stages_at(moments, before=True) == {first.id: "conversion", second.id: "reach"}
    assert stages_at({}) == {}
    # One customer at several moments (two answers in a period), each in its own stage.
    assert stages_at_moments([(first.id, t - timedelta(2)), (first.id, t - timedelta(hours=1)), (first.id, t)],
                             before=True) == ["reach", "conversion", "conversion"]
