"""The customer page's read model: the context plus the journey map grouped by day and the stage periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.models import STAGES, Customer, StageTransition
from app.models.base import utcnow
from app.services.customers.queries import CustomerContext, Touchpoint, customer_context, journey
from app.services.feedback import nps
from app.services.outreach import reports

# Marker colour of each touchpoint kind on the journey map (custom events are "other").
KIND_CATEGORIES = {
    "first_seen": "origin",
    "page_viewed": "browse",
    "product_viewed": "browse",
    "cart_updated": "cart",
    "checkout_started": "cart",
    "order_placed": "order",
    "order_refunded": "refund",
    "order_cancelled": "refund",
    "identify": "identity",
    "signed_up": "identity",
    "subscribed": "identity",
    "unsubscribed": "identity",
    "review_submitted": "feedback",
    "referral_made": "feedback",
    "nps_submitted": "feedback",
    "csat": "feedback",
    "stage": "stage",
}
# The narrowest a stage period is drawn (in % of the band), so a short one stays visible.
MIN_PERIOD_PERCENT = 4.0


@dataclass(frozen=True)
class JourneyEntry:
    """A touchpoint and its marker family (colour) on the map."""

    point: Touchpoint
    category: str


@dataclass(frozen=True)
class JourneyDay:
    """The touchpoints of one calendar day (UTC), newest first."""

    day: date
    entries: list[JourneyEntry]


@dataclass(frozen=True)
class StagePeriod:
    """A stretch of time spent in one stage, placed on a 0–100 band."""

    stage: str
    start: datetime
    end: datetime
    current: bool
    offset: float
    width: float


@dataclass(frozen=True)
class CustomerOverview:
    """Everything the customer page shows."""

    context: CustomerContext
    days: list[JourneyDay]
    periods: list[StagePeriod]
    stage_index: int
    outreach: list = field(default_factory=list)  # outreach_reports.DecisionLine: what rules decided, and why
    nps_answers: list = field(default_factory=list)  # nps.NpsAnswer, newest first

    @property
    def customer(self) -> Customer:
        return self.context.customer

    @property
    def lead_source(self) -> str | None:
        return lead_source_text(self.customer.lead_source)


def category(kind: str) -> str:
    """The marker family of a touchpoint kind."""
    return KIND_CATEGORIES.get(kind, "other")


def lead_source_text(lead_source: dict | None) -> str | None:
    """'google / cpc · spring-sale' or the referrer: where the customer first came from, in words."""
    if not lead_source:
        return None
    utm = " / ".join(v for v in (lead_source.get("utm_source"), lead_source.get("utm_medium")) if v)
    parts = [p for p in (utm, lead_source.get("utm_campaign")) if p]
    if parts:
        return " · ".join(parts)
    return lead_source.get("referrer") or lead_source.get("url") or None


def journey_days(customer: Customer, points: list[Touchpoint]) -> list[JourneyDay]:
    """Group touchpoints (newest first) by day, ending with the first visit and its lead source."""
    first = Touchpoint(customer.first_seen_at, "first_seen", "First seen", lead_source_text(customer.lead_source))
    days: list[JourneyDay] = []
    # Sorted again: an event may be stamped up to a day ahead, after a stage change it caused.
    for point in sorted([*points, first], key=lambda p: p.at, reverse=True):
        if not days or days[-1].day != point.at.date():
            days.append(JourneyDay(point.at.date(), []))
        days[-1].entries.append(JourneyEntry(point, category(point.kind)))
    return days


def stage_periods(transitions: list[StageTransition], now: datetime) -> list[StagePeriod]:
    """The stages a customer has been in, oldest first, sized by how long each lasted."""
    spans = [
        (t.to_stage, t.occurred_at, transitions[i + 1].occurred_at if i + 1 < len(transitions) else now)
        for i, t in enumerate(transitions)
    ]
    if not spans:
        return []
    total = max((spans[-1][2] - spans[0][1]).total_seconds(), 1.0)
    raw = [max((end - start).total_seconds() / total * 100, MIN_PERIOD_PERCENT) for _, start, end in spans]
    scale = 100 / sum(raw)
    periods, offset = [], 0.0
    for index, ((stage, start, end), share) in enumerate(zip(spans, raw, strict=True)):
        width = round(share * scale, 3)
        periods.append(StagePeriod(stage, start, end, index == len(spans) - 1, round(offset, 3), width))
        offset += width
    return periods


def customer_overview(customer_id: int, *, now: datetime | None = None) -> CustomerOverview:
    """The customer page: context, journey by day, stage periods. Raises NotFoundError."""
    context = customer_context(customer_id)
    customer = context.customer
    return CustomerOverview(
        context=context,
        days=journey_days(customer, journey(customer.id)),
        periods=stage_periods(context.transitions, now or utcnow()),
        stage_index=STAGES.index(customer.stage) if customer.stage in STAGES else 0,
        outreach=reports.customer_decisions(customer.id),
        nps_answers=nps.customer_answers(customer.id),
    )
