"""The customer page's read model: the journey map by day and the stage periods band."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.services import customer_overview
from app.services.customer_overview import MIN_PERIOD_PERCENT, journey_days, lead_source_text, stage_periods
from app.services.customers.queries import Touchpoint
from app.services.errors import NotFoundError
from tests.factories import make_customer
from tests.support.shop_events import MUG

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def _point(hours_ago: float, kind: str = "page_viewed") -> Touchpoint:
    return Touchpoint(NOW - timedelta(hours=hours_ago), kind, kind, None)


def test_journey_is_grouped_by_day_newest_first_and_ends_with_the_first_visit():
    customer = SimpleNamespace(first_seen_at=NOW - timedelta(days=3),
                               lead_source={"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"})
    points = [_point(1, "order_placed"), _point(2, "stage"), _point(30, "cart_updated"), _point(31, "signed_up")]

    days = journey_days(customer, points)

    assert [d.day.isoformat() for d in days] == ["2026-03-14", "2026-03-13", "2026-03-11"]
    assert [e.category for e in days[0].entries] == ["order", "stage"]
    assert [e.category for e in days[1].entries] == ["cart", "identity"]
    first = days[-1].entries[-1]
    assert (first.category, first.point.title, first.point.detail) == ("origin", "First seen", "google / cpc · spring")


def test_an_event_stamped_ahead_of_its_stage_change_still_sorts_by_time():
    customer = SimpleNamespace(first_seen_at=NOW - timedelta(hours=2), lead_source=None)
    days = journey_days(customer, [_point(5, "stage"), _point(-3, "custom_thing")])  # out of order
    assert [e.point.kind for d in days for e in d.entries] == ["custom_thing", "first_seen", "stage"]
    assert days[0].entries[0].category == "other"


@pytest.mark.parametrize("source,text", [
    (None, None),
    ({"utm_source": "newsletter"}, "newsletter"),
    ({"referrer": "https://blog.example/tea"}, "https://blog.example/tea"),
    ({"url": "https://shop.test/"}, "https://shop.test/"),
])
def test_lead_source_in_words(source, text):
    assert lead_source_text(source) == text


def test_stage_periods_fill_the_band_and_keep_short_ones_visible():
    transitions = [
        SimpleNamespace(to_stage="reach", occurred_at=NOW - timedelta(days=30)),
        SimpleNamespace(to_stage="acquisition", occurred_at=NOW - timedelta(days=29, minutes=59)),
        SimpleNamespace(to_stage="conversion", occurred_at=NOW - timedelta(days=10)),
    ]
    periods = stage_periods(transitions, NOW)
    assert [p.stage for p in periods] == ["reach", "acquisition", "conversion"]
    assert [p.current for p in periods] == [False, False, True]
    assert sum(p.width for p in periods) == pytest.approx(100, abs=0.01)
    assert periods[0].width >= MIN_PERIOD_PERCENT * 0.9  # a minute out of 30 days is still drawn
    assert periods[1].offset == pytest.approx(periods[0].width, abs=0.01)
    assert stage_periods([], NOW) == []


def test_overview_of_a_stored_customer(app):
    customer = make_customer(cart=(MUG,), orders=1)
    overview = customer_overview.customer_overview(customer.id)
    assert overview.customer.id == customer.id and overview.context.cart.item_count == 2
    assert overview.stage_index == 2  # conversion
    assert overview.periods[-1].stage == "conversion" and overview.periods[-1].current
    kinds = [e.point.kind for d in overview.days for e in d.entries]
    assert kinds[-1] == "first_seen" and "order_placed" in kinds and "stage" in kinds
    assert overview.lead_source == "google / cpc · spring-tea"


def test_overview_of_an_unknown_customer(app):
    with pytest.raises(NotFoundError):
        customer_overview.customer_overview(404)
