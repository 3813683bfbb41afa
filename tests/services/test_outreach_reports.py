"""The outreach report against answers worked out by hand: groups, conversions in the window,
revenue, the uplift and Newcombe's interval; and the console page that shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Customer, Order, OutreachDecision
from app.services.outreach import reports, rules
from app.services.outreach.reports import Group, difference_interval
from app.services.outreach.rules import RuleSpec
from app.services.platform.audit import Actor

T0 = datetime(2026, 11, 10, 12, tzinfo=UTC)
ADMIN = Actor("system", None, "test")


def test_newcombe_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, method 10: 56/70 against 48/80.
    low, high = difference_interval(Group(70, 56), Group(80, 48))
    assert round(low, 4) == 0.0524 and round(high, 4) == 0.3339
    assert difference_interval(Group(0, 0), Group(5, 1)) is None


def _customer(n: int) -> Customer:
    customer = Customer(external_id=f"c{n}", name=f"Customer {n}", first_seen_at=T0, last_seen_at=T0)
    db.session.add(customer)
    db.session.flush()
    return customer


def _decide(rule, customer, outcome, at, key="k", **extra):
    db.session.add(OutreachDecision(rule_id=rule.id, customer_id=customer.id, trigger_key=key, outcome=outcome,
                                    reason="test", created_at=at, visitor_facing=True, **extra))


def _order(customer, at, total, currency="EUR"):
    db.session.add(Order(external_order_id=f"o-{customer.id}-{at.timestamp()}", customer_id=customer.id,
                         placed_at=at, total=Decimal(total), currency=currency))


@pytest.fixture
def rule(app):
    return _rule()


def _rule():
    return rules.save_rule(RuleSpec(name="Idle cart", trigger={"kind": "event", "event": "checkout_started"},
                                             action={"kind": "widget_message", "body": "Hi"}, holdout_percent=20),
                                    by=ADMIN)


def test_groups_conversions_in_the_window_and_revenue(any_app):
    rule = _rule()
    people = [_customer(n) for n in range(6)]
    # Reached out: 0 buys within an hour (twice: both count), 1 buys after the 24 h window, 2 never,
    # 3 was reached twice (counted once, from the first). Held out: 4 buys, 5 does not.
    _decide(rule, people[0], "shown", T0, delivered_to=1, opened_at=T0, replied_at=T0)
    _order(people[0], T0 + timedelta(minutes=30), "100.00")
    _order(people[0], T0 + timedelta(hours=2), "20.50")
    _decide(rule, people[1], "shown", T0, delivered_to=1)
    _order(people[1], T0 + timedelta(hours=25), "80.00")
    _decide(rule, people[2], "shown", T0)
    _decide(rule, people[3], "shown", T0, key="a", delivered_to=1)
    _decide(rule, people[3], "shown", T0 + timedelta(days=1), key="b", delivered_to=1)
    _order(people[3], T0 - timedelta(hours=1), "999.00")  # before the decision: not a conversion
    _decide(rule, people[4], "held_out", T0)
    _order(people[4], T0 + timedelta(hours=3), "40.00")
    _decide(rule, people[5], "held_out", T0)
    _decide(rule, people[5], "capped", T0 + timedelta(hours=1), key="c")
    db.session.commit()
    report = reports.rule_report(rule.id, T0 - timedelta(days=1), T0 + timedelta(days=5))
    assert (report.shown, report.delivered, report.opened, report.replied, report.capped) == (5, 4, 1, 1, 1)
    assert report.treated == Group(4, 1, (("EUR", Decimal("120.50")),))
    assert report.holdout == Group(2, 1, (("EUR", Decimal("40.00")),))
    assert report.reached == 6 and report.uplift == pytest.approx(0.25 - 0.5)
    low, high = report.interval
    assert low < report.uplift < high
    # A period that ends before the second decisions starts leaves them out.
    early = reports.rule_report(rule.id, T0 - timedelta(days=1), T0 + timedelta(hours=1))
    assert early.shown == 4 and early.capped == 0


def test_revenue_in_several_currencies_is_never_added_up(any_app):
    rule = _rule()
    people = [_customer(n) for n in range(3)]
    for person in people:
        _decide(rule, person, "shown", T0)
    _order(people[0], T0 + timedelta(hours=1), "100.00")
    _order(people[1], T0 + timedelta(hours=1), "30.00", "USD")
    _order(people[2], T0 + timedelta(hours=2), "1250.00")
    _order(people[2], T0 + timedelta(hours=3), "5.00", None)  # an order the shop sent without a currency
    db.session.commit()
    treated = reports.rule_report(rule.id, T0 - timedelta(days=1), T0 + timedelta(days=2)).treated
    assert treated.revenue == (("", Decimal("5.00")), ("EUR", Decimal("1350.00")), ("USD", Decimal("30.00")))
    assert treated.revenue_text == "5.00 · 1,350.00 EUR · 30.00 USD"
    assert Group(3, 0).revenue_text == "0.00"


def test_the_report_page_shows_the_figures_and_the_reasons(rule, client, admin):
    customer = _customer(1)
    now = datetime.now(UTC)
    _decide(rule, customer, "shown", now - timedelta(hours=2), delivered_to=1)
    db.session.get(OutreachDecision, 1).reason = "checkout_started on <b>/checkout</b>; audience: everyone; reached out"
    _order(customer, now - timedelta(hours=1), "55.00")
    db.session.commit()
    page = client.get(f"/console/settings/outreach/{rule.id}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-stat="conversions">1<' in html and 'data-stat="revenue">55.00 EUR<' in html
    assert "&lt;b&gt;/checkout&lt;/b&gt;" in html  # reasons carry what visitors typed: escaped
    backwards = client.get(f"/console/settings/outreach/{rule.id}/report?start=2026-11-10&end=2026-11-01")
    assert backwards.status_code == 400 and "before the start date" in backwards.get_data(as_text=True)
    assert client.get(f"/console/settings/outreach/{rule.id}/report?start=2016-01-01&end=2026-11-01").status_code == 400
    assert client.get("/console/settings/outreach/999/report").status_code == 404


def test_the_customer_page_says_what_each_rule_decided_and_why(rule, client, admin):
    customer = _customer(1)
    _decide(rule, customer, "held_out", T0, body="Hi <there>")
    db.session.get(OutreachDecision, 1).reason = "checkout_started; audience: everyone; held out: in the holdout"
    db.session.commit()
    html = client.get(f"/console/customers/{customer.id}").get_data(as_text=True)
    assert "Outreach" in html and "Held out" in html and "Why: checkout_started; audience: everyone" in html
    assert "Hi &lt;there&gt;" in html


def test_shoppers_who_chatted_against_those_who_did_not(any_app):
    from app.models import Conversation, CustomerEvent, StageTransition

    people = [_customer(n) for n in range(4)]
    for n, person in enumerate(people):
        db.session.add(CustomerEvent(event_id=f"e{n}", type="cart_updated", customer_id=person.id, occurred_at=T0,
                                     received_at=T0, source="api", properties={}))
    # 0 and 1 chat an hour later; 0 buys the next day. 2 buys within the week, 3 after it.
    for person in people[:2]:
        db.session.add(Conversation(customer_id=person.id, created_at=T0 + timedelta(hours=1), channel="chat"))
    _order(people[0], T0 + timedelta(days=1), "30.00")
    _order(people[2], T0 + timedelta(days=6), "12.00")
    _order(people[3], T0 + timedelta(days=8), "99.00")
    # Stages at the moment that counts: 2 was in acquisition then; 3 moved only later.
    db.session.add(StageTransition(customer_id=people[2].id, from_stage="reach", to_stage="acquisition",
                                   occurred_at=T0 - timedelta(hours=1), reason="test"))
    db.session.add(StageTransition(customer_id=people[3].id, from_stage="reach", to_stage="conversion",
                                   occurred_at=T0 + timedelta(days=8), reason="test"))
    db.session.commit()
    result = reports.support_comparison(T0 - timedelta(days=1), T0 + timedelta(days=2))
    eur30, eur12 = (("EUR", Decimal("30.00")),), (("EUR", Decimal("12.00")),)
    assert result.chatted == Group(2, 1, eur30) and result.not_chatted == Group(2, 1, eur12)
    assert result.uplift == 0 and result.interval[0] < 0 < result.interval[1]
    assert [(s.stage, s.chatted, s.not_chatted) for s in result.by_stage] == [
        ("reach", Group(2, 1, eur30), Group(1, 0)),
        ("acquisition", Group(0, 0), Group(1, 1, eur12))]
    assert result.by_stage[0].uplift == 0.5 and result.by_stage[1].uplift is None


def test_the_overview_lists_every_rule_and_the_support_comparison(rule, client, admin):
    html = client.get("/console/settings/outreach/report").get_data(as_text=True)
    assert "Idle cart" in html and "Shoppers who chatted with support" in html
    assert client.get("/console/settings/outreach/report?start=2026-11-10&end=2026-11-01").status_code == 400
