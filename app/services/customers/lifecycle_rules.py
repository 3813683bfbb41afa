"""The lifecycle rules as a pure function: a customer's facts and the rules in, stage, flags,
segment, RFM scores and the reason in words out. No database, no clock: `now` is an argument."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds an admin can tune in Settings. Defaults follow the product brief."""

    post_purchase_days: int = 30
    loyalty_min_orders: int = 4
    loyalty_min_value: int = 500
    promoter_min_score: int = 9
    churn_days: int = 180
    at_risk_factor: float = 2.0
    default_order_interval_days: int = 60
    frequent_min_orders: int = 3
    vip_min_rfm: int = 13
    # RFM bands: a value at or under the n-th bound scores (for recency) 5-n, else 1.
    recency_days: tuple[int, ...] = (30, 90, 180, 365)
    # Frequency and monetary: reaching the n-th bound scores n+2 (1 below the first bound).
    frequency_orders: tuple[int, ...] = (2, 3, 5, 8)
    monetary_values: tuple[int, ...] = (100, 250, 500, 1000)

    def to_dict(self) -> dict:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: dict | None) -> LifecycleRules:
        """Known keys only; tuples restored; anything missing keeps its default."""
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in (data or {}).items():
            if key in known:
                values[key] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


@dataclass(frozen=True)
class Facts:
    """What the rules read about one customer."""

    identified: bool = False
    signed_up: bool = False
    engaged: bool = False
    order_count: int = 0
    lifetime_value: Decimal = Decimal("0")
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    max_order_gap_days: int = 0
    referral_count: int = 0
    nps_score: int | None = None


@dataclass(frozen=True)
class Assessment:
    """The outcome: what the console shows and the filters use."""

    stage: str
    reason: str
    segment: str
    flags: tuple[str, ...]
    rfm: tuple[int, int, int]


def _days(since: datetime | None, now: datetime) -> int:
    return max((now - since).days, 0) if since else 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _ago(days: int) -> str:
    return "today" if days == 0 else f"{_plural(days, 'day')} ago"


def rfm_scores(facts: Facts, rules: LifecycleRules, now: datetime) -> tuple[int, int, int]:
    """Recency, frequency, monetary from 1 to 5; (0, 0, 0) for someone who never bought."""
    if facts.order_count == 0:
        return (0, 0, 0)
    days = _days(facts.last_order_at, now)
    recency = next((5 - i for i, bound in enumerate(rules.recency_days) if days <= bound), 1)
    frequency = 1 + sum(1 for bound in rules.frequency_orders if facts.order_count >= bound)
    monetary = 1 + sum(1 for bound in rules.monetary_values if facts.lifetime_value >= bound)
    return (recency, min(frequency, 5), min(monetary, 5))


def nps_group(score: int | None) -> str | None:
    """The standard NPS group of an answer: promoter (9-10), passive (7-8) or detractor (0-6)."""
    if score is None:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _flags(facts: Facts, rules: LifecycleRules, now: datetime, rfm: tuple[int, int, int]) -> tuple[str, ...]:
    group = nps_group(facts.nps_score)
    if facts.order_count == 0:
        return (group,) if group else ()
    since_last = _days(facts.last_order_at, now)
    flags = []
    churned = since_last > rules.churn_days
    if facts.order_count >= 2:
        usual = _days(facts.first_order_at, facts.last_order_at) / (facts.order_count - 1)
    else:
        usual = rules.default_order_interval_days
    if not churned and since_last > max(rules.at_risk_factor * usual, rules.post_purchase_days):
        flags.append("at_risk")
    if churned:
        flags.append("churned")
    if not churned and facts.max_order_gap_days > rules.churn_days:
        flags.append("reactivated")
    if sum(rfm) >= rules.vip_min_rfm:
        flags.append("vip")
    if group:
        flags.append(group)
    return tuple(flags)


def _stage(facts: Facts, rules: LifecycleRules, now: datetime) -> tuple[str, str]:
    orders = facts.order_count
    if orders and (orders >= rules.loyalty_min_orders or facts.lifetime_value >= rules.loyalty_min_value):
        return "loyalty", f"{_plural(orders, 'order')}, {facts.lifetime_value:.2f} lifetime value → loyalty"
    if orders and facts.nps_score is not None and facts.nps_score >= rules.promoter_min_score:
        return "loyalty", f"NPS {facts.nps_score} (promoter) and {_plural(orders, 'order')} → loyalty"
    if orders and facts.referral_count:
        return "loyalty", f"referred {_plural(facts.referral_count, 'customer')} → loyalty"
    if orders >= 2:
        return "retention", f"{orders} orders, last one {_ago(_days(facts.last_order_at, now))} → retention"
    if orders == 1:
        age = _days(facts.first_order_at, now)
        if age > rules.post_purchase_days:
            return "retention", (
                f"1 order, placed {_ago(age)} (past the {rules.post_purchase_days}-day post-purchase window)"
                " → retention"
            )
        window = rules.post_purchase_days
        return "conversion", f"first order {_ago(age)}, inside the {window}-day window → conversion"
    if facts.signed_up:
        return "acquisition", "signed up, no order yet → acquisition"
    if facts.identified:
        return "acquisition", "identified by the shop, no order yet → acquisition"
    if facts.engaged:
        return "acquisition", "engaged (products, cart, chat or articles), no order yet → acquisition"
    return "reach", "anonymous visitor, no engagement yet → reach"


def _segment(facts: Facts, rules: LifecycleRules, flags: tuple[str, ...]) -> str:
    if "reactivated" in flags:
        return "reactivated"
    if facts.order_count >= rules.frequent_min_orders:
        return "frequent"
    if facts.order_count >= 2:
        return "repeat_customer"
    if facts.order_count == 1:
        return "new_customer"
    if facts.signed_up:
        return "registered"
    if facts.identified or facts.engaged:
        return "lead"
    return "visitor"


def assess(facts: Facts, rules: LifecycleRules, now: datetime) -> Assessment:
    """Stage, reason, segment, flags and RFM for these facts at this moment."""
    rfm = rfm_scores(facts, rules, now)
    flags = _flags(facts, rules, now, rfm)
    stage, reason = _stage(facts, rules, now)
    return Assessment(stage=stage, reason=reason, segment=_segment(facts, rules, flags), flags=flags, rfm=rfm)
