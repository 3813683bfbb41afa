"""The lifecycle rules, rule by rule, as a pure function."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.services.customers.lifecycle_rules import Facts, LifecycleRules, assess, rfm_scores

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
RULES = LifecycleRules()


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def buyer(orders: int, value: str, first_days: int, last_days: int, **extra) -> Facts:
    return Facts(identified=True, engaged=True, order_count=orders, lifetime_value=Decimal(value),
                 first_order_at=ago(first_days), last_order_at=ago(last_days), **extra)


@pytest.mark.parametrize("facts,stage,reason_part", [
    (Facts(), "reach", "anonymous visitor"),
    (Facts(engaged=True), "acquisition", "engaged"),
    (Facts(identified=True), "acquisition", "identified"),
    (Facts(identified=True, signed_up=True), "acquisition", "signed up"),
    (buyer(1, "40", 12, 12), "conversion", "first order 12 days ago, inside the 30-day window"),
    (buyer(1, "40", 30, 30), "conversion", "inside the 30-day window"),
    (buyer(1, "40", 0, 0), "conversion", "first order today,"),
    (buyer(1, "40", 1, 1), "conversion", "first order 1 day ago,"),
    (buyer(1, "40", 31, 31), "retention", "past the 30-day post-purchase window"),
    (buyer(2, "80", 40, 12), "retention", "2 orders, last one 12 days ago"),
    (buyer(4, "160", 300, 10), "loyalty", "4 orders, 160.00 lifetime value"),
    (buyer(1, "500", 5, 5), "loyalty", "500.00 lifetime value"),
    (buyer(1, "40", 5, 5, nps_score=9), "loyalty", "NPS 9 (promoter)"),
    (buyer(1, "40", 5, 5, nps_score=8), "conversion", "first order"),
    (buyer(1, "40", 5, 5, referral_count=2), "loyalty", "referred 2 customers"),
    (Facts(identified=True, nps_score=10, referral_count=3), "acquisition", "identified"),
])
def test_stage_and_reason(facts, stage, reason_part):
    result = assess(facts, RULES, NOW)
    assert result.stage == stage
    assert reason_part in result.reason and result.reason.endswith(f"→ {stage}")


def test_rules_are_tunable():
    facts = buyer(1, "40", 40, 40)
    assert assess(facts, RULES, NOW).stage == "retention"
    assert assess(facts, LifecycleRules(post_purchase_days=60), NOW).stage == "conversion"
    assert assess(buyer(3, "90", 90, 5), LifecycleRules(loyalty_min_orders=3), NOW).stage == "loyalty"


@pytest.mark.parametrize("facts,flags", [
    (Facts(identified=True), ()),
    (buyer(1, "40", 10, 10), ()),
    (buyer(1, "40", 121, 121), ("at_risk",)),  # 2 × the default 60-day interval
    (buyer(3, "90", 60, 20), ()),  # usual interval 20 days: late only after 40
    (buyer(2, "80", 200, 181), ("churned",)),
    (buyer(3, "120", 400, 10, max_order_gap_days=250), ("reactivated",)),
])
def test_flags(facts, flags):
    result = assess(facts, RULES, NOW)
    assert tuple(f for f in result.flags if f != "vip") == flags


def test_at_risk_uses_the_customers_own_interval():
    # Orders every 10 days: 35 days of silence is more than twice the usual interval.
    regular = buyer(4, "100", 65, 35)
    assert "at_risk" in assess(regular, LifecycleRules(loyalty_min_orders=10), NOW).flags
    assert "at_risk" not in assess(buyer(4, "100", 65, 15), RULES, NOW).flags


def test_rfm_and_vip():
    assert rfm_scores(Facts(), RULES, NOW) == (0, 0, 0)
    assert rfm_scores(buyer(1, "50", 10, 10), RULES, NOW) == (5, 1, 1)
    assert rfm_scores(buyer(8, "1200", 300, 100), RULES, NOW) == (3, 5, 5)
    assert rfm_scores(buyer(5, "600", 300, 400), RULES, NOW) == (1, 4, 4)
    assert "vip" in assess(buyer(8, "1200", 300, 20), RULES, NOW).flags
    assert "vip" not in assess(buyer(2, "60", 300, 20), RULES, NOW).flags


@pytest.mark.parametrize("facts,segment", [
    (Facts(), "visitor"),
    (Facts(engaged=True), "lead"),
    (Facts(identified=True, signed_up=True), "registered"),
    (buyer(1, "40", 3, 3), "new_customer"),
    (buyer(2, "80", 30, 3), "repeat_customer"),
    (buyer(3, "90", 60, 3), "frequent"),
    (buyer(2, "80", 400, 3, max_order_gap_days=397), "reactivated"),
])
def test_segments(facts, segment):
    assert assess(facts, RULES, NOW).segment == segment


def test_rules_round_trip_through_storage():
    rules = LifecycleRules(post_purchase_days=45, recency_days=(10, 20, 30, 40))
    assert LifecycleRules.from_dict(rules.to_dict()) == rules
    assert LifecycleRules.from_dict({"unknown": 1, "churn_days": 90}).churn_days == 90
