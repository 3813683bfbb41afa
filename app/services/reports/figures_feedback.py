"""The loyalty and "support and buying" reports' figures: NPS answers per day by stage and score,
referrals per day, shoppers' days with and without a support contact (and whether they bought
after), and buyers' CSAT answers (and whether they bought again, or churned). Each function
computes its metrics for the UTC moments [since, until).

The "and then" figures look ahead (an order within 7, 30 or 60 days of the day counted), so a
day's numbers settle only when its window has passed: their families say so in `settle_days`,
and the hourly job rebuilds that many days.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import Conversation, Customer, CustomerEvent, Message, Order, Survey, Ticket
from app.services.customers import lifecycle
from app.services.feedback.nps import EVENT_SOURCE as SURVEY_SOURCE
from app.services.reports.families import Family, Row, as_date, day_of

BOUGHT_WITHIN = timedelta(days=7)  # a shopper's day "and then bought"
AGAIN_WITHIN = timedelta(days=30)  # a buyer's day "and then bought again"
AFTER_CSAT_WITHIN = timedelta(days=60)  # a buyer's CSAT answer "and then bought again"
# Tickets a customer opened themselves; "agent" and "api" ones were opened for them.
CONTACT_TICKET_CHANNELS = ("help_center", "widget", "chat", "email")
_CHUNK_DAYS = 31  # the shopper days are computed a month at a time, to bound memory on a rebuild_all
_IDS_PER_QUERY = 5_000


def _nps(since: datetime, until: datetime) -> Iterable[Row]:
    """NPS answers per day, stage when asked and score: the helpdesk's surveys, and the answers the
    shop sent as `nps_submitted` events (its own survey tool), in the stage they were in just before."""
    day = day_of(Survey.answered_at)
    query = (select(day, Survey.stage, Survey.score, func.count())
             .where(Survey.kind == "nps", Survey.answered_at >= since, Survey.answered_at < until,
                    Survey.score.is_not(None))
             .group_by(day, Survey.stage, Survey.score))
    counts = Counter({(as_date(day_value), f"{stage}:{score}"): n
                      for day_value, stage, score, n in db.session.execute(query)})
    answers = shop_nps_answers(since, until)
    stages = lifecycle.stages_at_moments([(a.customer_id, a.at) for a in answers], before=True)
    for answer, stage in zip(answers, stages, strict=True):
        counts[(answer.at.date(), f"{stage}:{answer.score}")] += 1
    for (day_value, key), n in counts.items():
        yield Row(day_value, "nps", key, n)


@dataclass(frozen=True)
class ShopNpsAnswer:
    customer_id: int
    at: datetime
    score: int
    comment: str | None


def shop_nps_answers(since: datetime, until: datetime, *, with_comment: bool = False,
                     limit: int | None = None) -> list[ShopNpsAnswer]:
    """The NPS answers the shop sent (`nps_submitted` events not made from the helpdesk's own
    surveys, which count as surveys), newest first."""
    query = (select(CustomerEvent.customer_id, CustomerEvent.occurred_at, CustomerEvent.properties)
             .where(CustomerEvent.type == "nps_submitted", CustomerEvent.source != SURVEY_SOURCE,
                    CustomerEvent.customer_id.is_not(None), CustomerEvent.occurred_at >= since,
                    CustomerEvent.occurred_at < until)
             .order_by(CustomerEvent.occurred_at.desc(), CustomerEvent.id.desc()).limit(limit))
    if with_comment:
        query = query.where(func.coalesce(CustomerEvent.properties["comment"].as_string(), "") != "")
    return [ShopNpsAnswer(customer_id, at, int(props["score"]), props.get("comment") or None)
            for customer_id, at, props in db.session.execute(query)]


def _referrals(since: datetime, until: datetime) -> Iterable[Row]:
    day = day_of(CustomerEvent.occurred_at)
    query = (select(day, func.count()).where(CustomerEvent.type == "referral_made", CustomerEvent.occurred_at >= since,
                                             CustomerEvent.occurred_at < until).group_by(day))
    for day_value, n in db.session.execute(query):
        yield Row(as_date(day_value), "referrals", "", n)


# --- orders around a moment --------------------------------------------------------------------


def _orders_of(customer_ids: Iterable[int], before: datetime) -> dict[int, list[datetime]]:
    """Each customer's counted orders (placed, not refunded) placed before `before`, in time order."""
    ids, orders = sorted(set(customer_ids)), {}
    for start in range(0, len(ids), _IDS_PER_QUERY):
        rows = db.session.execute(
            select(Order.customer_id, Order.placed_at)
            .where(Order.customer_id.in_(ids[start:start + _IDS_PER_QUERY]), Order.placed_at.is_not(None),
                   Order.refunded_at.is_(None), Order.cancelled_at.is_(None), Order.placed_at < before)
            .order_by(Order.customer_id, Order.placed_at))
        for customer_id, placed in rows:
            orders.setdefault(customer_id, []).append(placed)
    return orders


def _around(orders: list[datetime], moment: datetime) -> tuple[bool, datetime | None]:
    """Whether there was an order before `moment`, and the first order at or after it."""
    i = bisect_left(orders, moment)
    return i > 0, orders[i] if i < len(orders) else None


# --- shoppers' days with and without a support contact -----------------------------------------


def _first_moments(since: datetime, until: datetime) -> dict[tuple[date, int], list]:
    """{(day, customer): [first page view, first support contact]} for the days in [since, until)."""
    days: dict[tuple[date, int], list] = {}
    viewed = day_of(CustomerEvent.occurred_at)
    for day_value, customer_id, first in db.session.execute(
            select(viewed, CustomerEvent.customer_id, func.min(CustomerEvent.occurred_at))
            .where(CustomerEvent.type == "page_viewed", CustomerEvent.occurred_at >= since,
                   CustomerEvent.occurred_at < until, CustomerEvent.customer_id.is_not(None))
            .group_by(viewed, CustomerEvent.customer_id)):
        days[(as_date(day_value), customer_id)] = [first, None]
    visitor_wrote = exists().where(Message.conversation_id == Conversation.id, Message.author_type == "visitor")
    chat_day, ticket_day = day_of(Conversation.created_at), day_of(Ticket.created_at)  # one expression each:
    contacts = (  # PostgreSQL matches GROUP BY to the select list by expression, bound values included
        select(chat_day, Conversation.customer_id, func.min(Conversation.created_at))
        .where(Conversation.created_at >= since, Conversation.created_at < until, visitor_wrote)
        .group_by(chat_day, Conversation.customer_id),
        select(ticket_day, Ticket.requester_id, func.min(Ticket.created_at))
        .where(Ticket.created_at >= since, Ticket.created_at < until, Ticket.channel.in_(CONTACT_TICKET_CHANNELS))
        .group_by(ticket_day, Ticket.requester_id),
    )
    for query in contacts:
        for day_value, customer_id, first in db.session.execute(query):
            entry = days.setdefault((as_date(day_value), customer_id), [first, None])
            entry[1] = first if entry[1] is None else min(entry[1], first)
    return days


def _shopper_days(since: datetime, until: datetime) -> Iterable[Row]:
    """`shopper_days`, per day, keyed "<contacted|not_contacted>:<measure>": days (a customer on
    the site or in touch that day), bought (an order within 7 days of the contact, or of the first
    page view), buyer_days (those who had bought before) and again (of those, another order
    within 30 days)."""
    start = since
    while start < until:
        end = min(until, start + timedelta(days=_CHUNK_DAYS))
        days = _first_moments(start, end)
        orders = _orders_of((customer_id for _, customer_id in days), end + AGAIN_WITHIN)
        figures: Counter = Counter()
        for (day, customer_id), (viewed, contacted) in days.items():
            moment = contacted or viewed
            group = "contacted" if contacted else "not_contacted"
            bought_before, following = _around(orders.get(customer_id, []), moment)
            figures[(day, f"{group}:days")] += 1
            figures[(day, f"{group}:bought")] += following is not None and following < moment + BOUGHT_WITHIN
            if bought_before:
                figures[(day, f"{group}:buyer_days")] += 1
                figures[(day, f"{group}:again")] += following is not None and following < moment + AGAIN_WITHIN
        yield from (Row(day, "shopper_days", key, n) for (day, key), n in figures.items() if n)
        start = end


def _csat_after(since: datetime, until: datetime) -> Iterable[Row]:
    """`csat_after`, per day of the answer, keyed "<good|bad>:<measure>": buyers (answers from
    customers who had bought before), again (of those, an order within 60 days of the answer) and
    churned (of those, flagged churned when the figure was built)."""
    answers = db.session.execute(
        select(Survey.customer_id, Survey.answered_at, Survey.rating, Customer.is_churned)
        .join(Customer, Customer.id == Survey.customer_id)
        .where(Survey.kind == "csat", Survey.answered_at >= since, Survey.answered_at < until)).all()
    orders = _orders_of((row[0] for row in answers), until + AFTER_CSAT_WITHIN)
    figures: Counter = Counter()
    for customer_id, answered_at, rating, churned in answers:
        bought_before, following = _around(orders.get(customer_id, []), answered_at)
        if not bought_before:
            continue
        day = answered_at.date()
        figures[(day, f"{rating}:buyers")] += 1
        figures[(day, f"{rating}:again")] += following is not None and following < answered_at + AFTER_CSAT_WITHIN
        figures[(day, f"{rating}:churned")] += bool(churned)
    yield from (Row(day, "csat_after", key, n) for (day, key), n in figures.items() if n)


FAMILIES = (
    Family(("nps",), _nps),
    Family(("referrals",), _referrals),
    Family(("shopper_days",), _shopper_days, settle_days=AGAIN_WITHIN.days),
    Family(("csat_after",), _csat_after, settle_days=AFTER_CSAT_WITHIN.days),
)
