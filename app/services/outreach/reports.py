"""What each outreach rule achieved: who it reached, what they did, and whether they bought more
than the holdout (the visitors deliberately left alone), with a 95% confidence interval.

A visitor counts once per rule and period, in the group of their first decision there (the
holdout is stable per visitor, so it is always the same group), and converts when they placed an
order within the rule's conversion window after that decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Conversation, Customer, CustomerEvent, Order, OutreachDecision, OutreachRule
from app.models.customer import STAGES
from app.services.customers import lifecycle
from app.services.customers.placeholders import money
from app.services.outreach.rules import get_rule

Z95 = 1.959964
CHUNK = 5000  # customer ids per IN list (SQLite allows 32,766 variables)


Revenue = tuple[tuple[str, Decimal], ...]  # (currency, amount), by currency; "" when an order had none
NO_REVENUE: Revenue = ()


@dataclass(frozen=True)
class Group:
    """Reached-out visitors or the holdout: how many, how many bought in the window, for how much
    (per currency: amounts in different currencies are never added up)."""

    visitors: int
    converted: int
    revenue: Revenue = NO_REVENUE

    @property
    def rate(self) -> float | None:
        return self.converted / self.visitors if self.visitors else None

    @property
    def revenue_text(self) -> str:
        """1,234.50 EUR · 20.00 USD; 0.00 without orders."""
        return " · ".join(money(amount, currency or None) for currency, amount in self.revenue) or "0.00"


class _Tally:
    """Adds up one group: visitors, those who bought in the window, and what they spent by currency."""

    def __init__(self) -> None:
        self.visitors, self.converted, self.spent = 0, 0, {}

    def add(self, orders: list[tuple[Decimal, str]]) -> None:
        self.visitors += 1
        self.converted += bool(orders)
        for total, currency in orders:
            self.spent[currency] = self.spent.get(currency, Decimal("0")) + total

    def group(self) -> Group:
        return Group(self.visitors, self.converted, tuple(sorted(self.spent.items())))


@dataclass(frozen=True)
class RuleReport:
    rule: OutreachRule
    since: datetime
    until: datetime
    shown: int  # decisions that reached out
    delivered: int  # of those, messages that reached an open widget
    opened: int
    replied: int
    capped: int
    treated: Group
    holdout: Group
    uplift: float | None  # conversion rate difference, reached out minus holdout
    interval: tuple[float, float] | None  # its 95% confidence interval (Newcombe)

    @property
    def reached(self) -> int:
        return self.treated.visitors + self.holdout.visitors


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(a: Group, b: Group) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval for rate(a) - rate(b): sound for small groups and for rates
    near 0 or 1, where the textbook normal approximation is not. None while a group is empty."""
    if not a.visitors or not b.visitors:
        return None
    p1, p2 = a.rate, b.rate
    l1, u1 = wilson(a.converted, a.visitors)
    l2, u2 = wilson(b.converted, b.visitors)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _first_decisions(rule_id: int, since: datetime, until: datetime) -> dict[int, tuple[str, datetime]]:
    """Each reached or held-out customer's first decision in the period: id → (outcome, when)."""
    rows = db.session.execute(
        select(OutreachDecision.customer_id, OutreachDecision.outcome, func.min(OutreachDecision.created_at))
        .where(OutreachDecision.rule_id == rule_id, OutreachDecision.outcome.in_(("shown", "held_out")),
               OutreachDecision.created_at >= since, OutreachDecision.created_at < until)
        .group_by(OutreachDecision.customer_id, OutreachDecision.outcome))
    first: dict[int, tuple[str, datetime]] = {}
    for customer_id, outcome, at in rows:
        if customer_id not in first or at < first[customer_id][1]:
            first[customer_id] = (outcome, at)
    return first


Placed = dict[int, list[tuple[datetime, Decimal, str]]]  # customer id → (when, total, currency)


def _orders(customer_ids: list[int], start: datetime, end: datetime) -> Placed:
    placed: Placed = {}
    for offset in range(0, len(customer_ids), CHUNK):
        chunk = customer_ids[offset:offset + CHUNK]
        for customer_id, at, total, currency in db.session.execute(
                select(Order.customer_id, Order.placed_at, Order.total, Order.currency)
                .where(Order.customer_id.in_(chunk), Order.placed_at > start, Order.placed_at <= end)):
            placed.setdefault(customer_id, []).append((at, total or Decimal("0"), currency or ""))
    return placed


def _within(placed: Placed, customer_id: int, at: datetime, window: timedelta) -> list[tuple[Decimal, str]]:
    """The customer's orders in (at, at + window]: (total, currency)."""
    return [(total, currency) for when, total, currency in placed.get(customer_id, ()) if at < when <= at + window]


def _groups(rule: OutreachRule, first: dict[int, tuple[str, datetime]]) -> tuple[Group, Group]:
    window = timedelta(hours=rule.conversion_hours)
    if not first:
        return Group(0, 0), Group(0, 0)
    times = [at for _outcome, at in first.values()]
    orders = _orders(sorted(first), min(times), max(times) + window)
    tally = {"shown": _Tally(), "held_out": _Tally()}
    for customer_id, (outcome, at) in first.items():
        tally[outcome].add(_within(orders, customer_id, at, window))
    return tally["shown"].group(), tally["held_out"].group()


def rule_report(rule_id: int, since: datetime, until: datetime) -> RuleReport:
    """One rule's figures for decisions taken in [since, until)."""
    rule = get_rule(rule_id, include_deleted=True)
    in_period = (OutreachDecision.rule_id == rule_id, OutreachDecision.created_at >= since,
                 OutreachDecision.created_at < until)
    shown = OutreachDecision.outcome == "shown"
    counts = db.session.execute(select(
        func.count().filter(shown), func.count().filter(shown, OutreachDecision.delivered_to > 0),
        func.count().filter(shown, OutreachDecision.opened_at.is_not(None)),
        func.count().filter(shown, OutreachDecision.replied_at.is_not(None)),
        func.count().filter(OutreachDecision.outcome == "capped")).where(*in_period)).one()
    treated, holdout = _groups(rule, _first_decisions(rule_id, since, until))
    uplift = treated.rate - holdout.rate if treated.visitors and holdout.visitors else None
    return RuleReport(rule, since, until, *counts, treated, holdout, uplift, difference_interval(treated, holdout))


def all_reports(since: datetime, until: datetime) -> list[RuleReport]:
    """Every rule not deleted, with its figures (the overview)."""
    rules = db.session.scalars(select(OutreachRule.id).where(OutreachRule.deleted_at.is_(None))
                               .order_by(OutreachRule.priority.desc(), OutreachRule.id))
    return [rule_report(rule_id, since, until) for rule_id in rules]


@dataclass(frozen=True)
class DecisionLine:
    """One decision as the console lists it: when, who, what, why."""

    decision: OutreachDecision
    rule_name: str
    customer_id: int
    customer_name: str


def _lines(query, limit: int) -> list[DecisionLine]:
    rows = db.session.execute(query.order_by(OutreachDecision.created_at.desc(), OutreachDecision.id.desc())
                              .limit(limit))
    return [DecisionLine(decision, rule_name, customer.id, customer.display_name)
            for decision, rule_name, customer in rows]


def _decisions():
    return (select(OutreachDecision, OutreachRule.name, Customer)
            .join(OutreachRule, OutreachRule.id == OutreachDecision.rule_id)
            .join(Customer, Customer.id == OutreachDecision.customer_id))


def recent_decisions(rule_id: int, limit: int = 50) -> list[DecisionLine]:
    """A rule's latest decisions with their reasons ("why did this visitor get this message")."""
    return _lines(_decisions().where(OutreachDecision.rule_id == rule_id), limit)


def customer_decisions(customer_id: int, limit: int = 20) -> list[DecisionLine]:
    """Every rule's latest decisions about one customer, for their profile."""
    return _lines(_decisions().where(OutreachDecision.customer_id == customer_id), limit)


@dataclass(frozen=True)
class SupportComparison:
    """Shoppers (a cart or a checkout in the period) who chatted with support against those who
    did not: how many bought within the window after the chat (or after their first cart event).
    Observational, not an experiment: the rules' holdouts are the causal figures."""

    window_days: int
    chatted: Group
    not_chatted: Group
    uplift: float | None
    interval: tuple[float, float] | None
    by_stage: tuple[StageComparison, ...] = ()


@dataclass(frozen=True)
class StageComparison:
    """The comparison among shoppers who were in one lifecycle stage when they chatted (or shopped)."""

    stage: str
    chatted: Group
    not_chatted: Group

    @property
    def uplift(self) -> float | None:
        if not self.chatted.visitors or not self.not_chatted.visitors:
            return None
        return self.chatted.rate - self.not_chatted.rate

    @property
    def interval(self) -> tuple[float, float] | None:
        return difference_interval(self.chatted, self.not_chatted)


SHOPPING_EVENTS = ("cart_updated", "checkout_started")
SUPPORT_WINDOW = timedelta(days=7)


def support_comparison(since: datetime, until: datetime, window: timedelta = SUPPORT_WINDOW) -> SupportComparison:
    """Conversion of shoppers who chatted against shoppers who did not, in [since, until), overall
    and among shoppers in the same lifecycle stage at that moment (similar visitors)."""
    shopping = dict(db.session.execute(
        select(CustomerEvent.customer_id, func.min(CustomerEvent.occurred_at))
        .where(CustomerEvent.type.in_(SHOPPING_EVENTS), CustomerEvent.customer_id.is_not(None),
               CustomerEvent.occurred_at >= since, CustomerEvent.occurred_at < until)
        .group_by(CustomerEvent.customer_id)).all())
    chats = dict(db.session.execute(
        select(Conversation.customer_id, func.min(Conversation.created_at))
        .where(Conversation.channel.in_(("chat", "proactive")), Conversation.created_at >= since,
               Conversation.created_at < until)
        .group_by(Conversation.customer_id)).all())
    reference = {cid: (chats[cid] if cid in chats else at) for cid, at in shopping.items()}
    tally: dict[tuple[str, bool], _Tally] = {}
    if reference:
        orders = _orders(sorted(reference), min(reference.values()), max(reference.values()) + window)
        stages = lifecycle.stages_at(reference)
        for customer_id, at in reference.items():
            within = _within(orders, customer_id, at, window)
            for key in (("all", customer_id in chats), (stages[customer_id], customer_id in chats)):
                tally.setdefault(key, _Tally()).add(within)

    def group(stage: str, chatted: bool) -> Group:
        found = tally.get((stage, chatted))
        return found.group() if found else Group(0, 0)

    chatted, not_chatted = group("all", True), group("all", False)
    uplift = chatted.rate - not_chatted.rate if chatted.visitors and not_chatted.visitors else None
    by_stage = tuple(StageComparison(stage, group(stage, True), group(stage, False)) for stage in STAGES
                     if group(stage, True).visitors or group(stage, False).visitors)
    return SupportComparison(window.days, chatted, not_chatted, uplift, difference_interval(chatted, not_chatted),
                             by_stage)
