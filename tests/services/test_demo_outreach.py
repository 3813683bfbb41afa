"""The demo's outreach rules and their month of history: made once, the holdout as the engine
assigns it, and more buyers among those reached than among those held out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.demo.outreach import IDLE_CART, RULES, VIP_BACK, seed_outreach
from app.extensions import db
from app.models import Customer, CustomerEvent, Order, OutreachDecision, OutreachRule
from app.models.base import utcnow
from app.services.outreach import audience, engine, timer


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """Seeded once for the module (about 2 s): the tests only read, except the second run, which
    must change nothing."""
    from app import create_app
    from config import TestConfig

    tmp = tmp_path_factory.mktemp("demo-outreach")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'test.db'}", HELPDESK_DATA_DIR=str(tmp))
    with app.app_context():
        db.create_all()
        yield seed_outreach()
        db.session.remove()
        db.engine.dispose()


def rule(name: str) -> OutreachRule:
    return db.session.scalar(select(OutreachRule).where(OutreachRule.name == name))


def test_seeding_makes_the_four_rules_and_a_month_of_decisions(seeded):
    assert seeded["rules"] == 4 and seeded["decisions"] == count(OutreachDecision) > 700
    assert sorted(db.session.scalars(select(OutreachRule.name))) == sorted(spec.name for spec in RULES)
    per_rule = dict(db.session.execute(select(OutreachRule.name, func.count(OutreachDecision.id))
                                       .join(OutreachDecision).group_by(OutreachRule.name)).all())
    assert 600 <= per_rule[IDLE_CART] <= 660 and all(n >= 40 for n in per_rule.values())
    idle = rule(IDLE_CART)
    outcomes = dict(db.session.execute(select(OutreachDecision.outcome, func.count()).where(
        OutreachDecision.rule_id == idle.id).group_by(OutreachDecision.outcome)).all())
    assert set(outcomes) == {"shown", "held_out", "capped"} and outcomes["capped"] == 30
    # All in the past, and none from the event rule firing on the history it was sent.
    now = utcnow()
    assert db.session.scalar(select(func.max(OutreachDecision.created_at))) < now
    assert db.session.scalar(select(func.max(CustomerEvent.occurred_at))) < now - timedelta(hours=1)
    keys = db.session.scalars(select(OutreachDecision.trigger_key).where(OutreachDecision.rule_id == rule(VIP_BACK).id))
    assert all(key.startswith("event:demo-out-alert-") for key in keys)
    # The timer finds no first order a week old left unchecked: no burst of tickets on start.
    check_ins = [r for r in engine.current_rules() if r.kind == "days_after_first_order"]
    assert timer._first_order_candidates(check_ins, now) == []


def test_a_second_run_adds_nothing(seeded):
    before = [count(model) for model in (OutreachRule, OutreachDecision, Customer, CustomerEvent, Order)]
    assert seed_outreach() == {"rules": 0, "events": 0, "decisions": 0}
    assert [count(model) for model in (OutreachRule, OutreachDecision, Customer, CustomerEvent, Order)] == before


def test_every_stored_decision_is_in_the_holdout_exactly_when_the_engine_would_put_it_there(seeded):
    rules = {row.id: audience.compile_rule(row) for row in db.session.scalars(select(OutreachRule))}
    rows = db.session.execute(select(OutreachDecision.rule_id, OutreachDecision.customer_id, OutreachDecision.outcome)
                              .where(OutreachDecision.outcome.in_(("shown", "held_out")))).all()
    assert rows and {outcome for _r, _c, outcome in rows} == {"shown", "held_out"}
    for rule_id, customer_id, outcome in rows:
        assert (outcome == "held_out") == audience.in_holdout(rules[rule_id], customer_id)


def test_reached_out_idle_carts_convert_more_than_the_holdout(seeded):
    idle = rule(IDLE_CART)
    decisions = db.session.execute(select(OutreachDecision.customer_id, OutreachDecision.outcome,
                                          OutreachDecision.created_at)
                                   .where(OutreachDecision.rule_id == idle.id,
                                          OutreachDecision.outcome.in_(("shown", "held_out")))).all()
    orders: dict[int, list] = {}
    for customer_id, placed_at in db.session.execute(select(Order.customer_id, Order.placed_at)):
        orders.setdefault(customer_id, []).append(placed_at)
    groups = {"shown": [0, 0], "held_out": [0, 0]}
    for customer_id, outcome, at in decisions:
        groups[outcome][0] += 1
        groups[outcome][1] += any(at < placed <= at + timedelta(hours=24) for placed in orders.get(customer_id, ()))
    (shown, shown_bought), (held, held_bought) = groups["shown"], groups["held_out"]
    assert shown > 400 and held > 20 and shown_bought and held_bought
    assert shown_bought / shown > held_bought / held


def test_every_answered_message_is_a_conversation_starting_with_it(seeded):
    from app.models import Conversation, Message

    answered = list(db.session.scalars(select(OutreachDecision).where(OutreachDecision.replied_at.is_not(None))))
    assert answered and all(d.conversation_id for d in answered)
    for decision in answered[:5]:
        assert db.session.get(Conversation, decision.conversation_id).channel == "proactive"
        first = db.session.scalar(select(Message).where(Message.conversation_id == decision.conversation_id,
                                                        Message.seq == 1))
        assert first.body == decision.body and first.author_type == "agent"
