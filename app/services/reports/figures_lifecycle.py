"""The lifecycle report's figures: stage moves per day (from the stage history), and the cohorts
by month of first order (who ordered again in each later month, whose second order came when,
who is churned now), kept per calendar month. Each function computes its metrics for the UTC
moments [since, until); the cohorts' family is always asked for whole months."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, Order, StageTransition
from app.services.reports.families import Family, Row, as_date, day_of, month_start, next_month

NEW = ""  # a stage move's "from" for a customer's first stage


def move_key(from_stage: str | None, to_stage: str) -> str:
    return f"{from_stage or NEW}>{to_stage}"


def _stage_moves(since: datetime, until: datetime) -> Iterable[Row]:
    day = day_of(StageTransition.occurred_at)
    query = (select(day, StageTransition.from_stage, StageTransition.to_stage, func.count())
             .where(StageTransition.occurred_at >= since, StageTransition.occurred_at < until)
             .group_by(day, StageTransition.from_stage, StageTransition.to_stage))
    for day_value, from_stage, to_stage, n in db.session.execute(query):
        yield Row(as_date(day_value), "stage_moves", move_key(from_stage, to_stage), n)


def month_key(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _cohorts(since: datetime, until: datetime) -> Iterable[Row]:
    """For each month M in [since, until): `cohort_active` (day M, key cohort): the cohort's
    customers with an order in M; `cohort_repeat` (day M, key cohort): those whose second order
    came in M; `cohort_churned` (day = cohort M, key ""): the cohort's customers churned now.

    A customer's cohort is the month of their first order that counts (placed, not refunded),
    read from all their orders, not only those of the months rebuilt.
    """
    counted = (Order.placed_at.is_not(None), Order.refunded_at.is_(None), Order.cancelled_at.is_(None))
    buyers = select(Order.customer_id).where(Order.placed_at >= since, Order.placed_at < until, *counted)
    rows = db.session.execute(
        select(Order.customer_id, Order.placed_at, Customer.is_churned)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.customer_id.in_(buyers), *counted)
        .order_by(Order.customer_id, Order.placed_at).execution_options(yield_per=20_000))
    first, last = since.date(), until.date()
    figures: Counter = Counter()
    for _customer_id, orders in groupby(rows, key=lambda row: row[0]):
        orders = list(orders)
        cohort = month_start(orders[0][1].date())
        key = month_key(cohort)
        for month in {month_start(placed.date()) for _, placed, _ in orders}:
            if first <= month < last:
                figures[("cohort_active", month, key)] += 1
        if len(orders) > 1 and first <= (second := month_start(orders[1][1].date())) < last:
            figures[("cohort_repeat", second, key)] += 1
        if orders[0][2] and first <= cohort < last:
            figures[("cohort_churned", cohort, "")] += 1
    for (metric, month, key), n in figures.items():
        yield Row(month, metric, key, n)


def _whole_months(first: date, last: date) -> tuple[date, date]:
    return month_start(first), next_month(last) - timedelta(days=1)


FAMILIES = (
    Family(("stage_moves",), _stage_moves),
    Family(("cohort_active", "cohort_repeat", "cohort_churned"), _cohorts, widen=_whole_months),
)
