"""Routing rules: every condition kind, order and stop, what the creator chose wins, round-robin
inside a group among online members, audit entries, validation, and test-a-rule saving nothing;
applied through the real entry points (help center form, API)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Cart, Customer, RoutingRule, Ticket, TicketEvent, TicketGroup, TicketTag
from app.services.access import api_keys
from app.services.conversations import assignment
from app.services.errors import DomainError
from app.services.platform import presence
from app.services.platform.audit import CLI
from app.services.tickets import groups as ticket_groups
from app.services.tickets import routing
from app.services.tickets.routing import ROUND_ROBIN, RuleSpec, Sample
from tests.factories import make_ticket


@pytest.fixture
def groups(app):
    names = ("Billing", "Shipping")
    for name in names:
        ticket_groups.save_group(name, [], by=CLI)
    return dict(db.session.execute(db.select(TicketGroup.name, TicketGroup.id)).all())


def rule(name, conditions, actions, stop=False):
    return routing.save_rule(RuleSpec(name, conditions, actions, stop=stop), by=CLI)


def customer(email="ana@example.com", stage="acquisition", vip=False, cart_total=None, segment="lead"):
    # The address is theirs (as the shop's server says): a request from it finds this profile.
    row = Customer(email=email, verified_email=email, stage=stage, is_vip=vip, segment=segment, traits={})
    db.session.add(row)
    db.session.flush()
    if cart_total is not None:
        db.session.add(Cart(customer_id=row.id, items=[{"sku": "A"}], item_count=1, currency="EUR",
                            total=Decimal(cart_total), updated_at=datetime.now(UTC), event_id="e1"))
    db.session.commit()
    return row


def tags_of(ticket) -> set[str]:
    return set(db.session.scalars(db.select(TicketTag.tag).where(TicketTag.ticket_id == ticket.id)))


def test_words_channel_stage_flag_segment_and_cart_conditions(groups):
    rule("Refunds", {"words": ["refund", "money back"]}, {"group_id": groups["Billing"], "add_tags": ["billing"]})
    rule("Loyal first", {"stages": ["loyalty"]}, {"priority": "high"})
    rule("VIP via API", {"flags": ["vip"], "channels": ["api"]}, {"add_tags": ["vip"]})
    rule("Hot cart", {"stages": ["conversion"], "cart_min": "100", "cart_max": "500", "segments": ["lead"]},
         {"priority": "urgent"})
    customer("loyal@example.com", stage="loyalty")
    customer("vip@example.com", vip=True)
    customer("cart@example.com", stage="conversion", cart_total="240.00")
    customer("small@example.com", stage="conversion", cart_total="20.00")

    refund = make_ticket(subject="Money back please", body="I want my money back.")
    assert refund.group_id == groups["Billing"] and tags_of(refund) == {"billing"}
    assert make_ticket(body="refunded?").group_id is None  # whole words only
    assert make_ticket(email="loyal@example.com").priority == "high"
    assert tags_of(make_ticket(email="vip@example.com", channel="api")) == {"vip"}
    assert tags_of(make_ticket(email="vip@example.com")) == set()  # the channel does not match
    assert make_ticket(email="cart@example.com").priority == "urgent"
    assert make_ticket(email="small@example.com").priority == "normal"


def test_later_rules_override_until_a_rule_stops_and_the_creators_choice_wins(groups):
    rule("All to shipping", {}, {"group_id": groups["Shipping"], "priority": "low"})
    rule("Refunds to billing", {"words": ["refund"]}, {"group_id": groups["Billing"]}, stop=True)
    rule("Never reached for refunds", {}, {"priority": "urgent"})
    plain, refund = make_ticket(), make_ticket(body="A refund, please")
    assert (plain.group_id, plain.priority) == (groups["Shipping"], "urgent")
    assert (refund.group_id, refund.priority) == (groups["Billing"], "low")
    chosen = make_ticket(body="refund", channel="agent", group_id=groups["Shipping"], priority="high")
    assert (chosen.group_id, chosen.priority) == (groups["Shipping"], "high")
    trail = db.session.execute(db.select(TicketEvent.field, TicketEvent.actor_type, TicketEvent.actor_label)
                               .where(TicketEvent.ticket_id == refund.id, TicketEvent.field != "created")).all()
    # Each change is the audit trail's entry of the rule that made it.
    assert sorted(trail) == [("group", "rule", "Rule “Refunds to billing”"),
                             ("priority", "rule", "Rule “All to shipping”")]


def test_round_robin_takes_online_members_in_turn_and_skips_the_rest(groups, make_agent):
    a, b, c = make_agent(name="A"), make_agent(name="B"), make_agent(name="C")
    ticket_groups.save_group("Billing", [a.id, b.id, c.id], group_id=groups["Billing"], by=CLI)
    for n, agent in enumerate((a, c)):  # B has no console open
        assignment.console_opened(agent, f"sid-{n}")
        presence.set_presence(agent, "online")
    rule("Billing in turn", {}, {"group_id": groups["Billing"], "assignee": ROUND_ROBIN})
    picked = [make_ticket(email=f"c{n}@example.com").assignee_id for n in range(4)]
    assert picked == [a.id, c.id, a.id, c.id]
    assert db.session.get(Ticket, db.session.scalar(db.select(db.func.max(Ticket.id)))).status == "open"
    presence.set_presence(a, "away")
    presence.set_presence(c, "away")
    assert make_ticket(email="nobody@example.com").assignee_id is None  # nobody available: unassigned


@pytest.mark.parametrize(("conditions", "actions", "field"), [
    ({"channels": ["fax"]}, {"priority": "high"}, "channels"),
    ({"stages": ["royalty"]}, {"priority": "high"}, "stages"),
    ({"cart_min": "500", "cart_max": "100"}, {"priority": "high"}, "cart_max"),
    ({"cart_min": "lots"}, {"priority": "high"}, "cart_min"),
    ({"words": ["x" * 61]}, {"priority": "high"}, "words"),
    ({}, {}, "actions"),
    ({}, {"priority": "whenever"}, "priority"),
    ({}, {"group_id": 999}, "group_id"),
    ({}, {"assignee": ROUND_ROBIN}, "assignee"),
    ({}, {"add_tags": ["not a tag!"]}, "tags"),
])
def test_a_bad_rule_is_refused_with_the_field_and_nothing_is_saved(app, conditions, actions, field):
    with pytest.raises(DomainError) as refused:
        rule("Bad", conditions, actions)
    assert refused.value.field == field
    assert db.session.scalar(db.select(db.func.count(RoutingRule.id))) == 0


def test_trying_a_rule_on_a_sample_saves_nothing(groups):
    customer("loyal@example.com", stage="loyalty")
    spec = RuleSpec("Loyal refunds", {"stages": ["loyalty"], "words": ["refund"]},
                    {"group_id": groups["Billing"], "priority": "high"})
    hit = routing.try_rule(spec, Sample("Refund", "Please refund order 7", "help_center", "loyal@example.com"))
    assert hit.matched and hit.outcome.group_id == groups["Billing"] and hit.customer.email == "loyal@example.com"
    miss = routing.try_rule(spec, Sample("Refund", "Please refund", "help_center", "stranger@example.com"))
    assert not miss.matched and ("stages", False) in miss.checks and ("words", True) in miss.checks
    assert db.session.scalar(db.select(db.func.count(RoutingRule.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_rules_apply_to_the_help_center_form_and_the_api(client, groups):
    rule("Refunds", {"words": ["refund"]}, {"group_id": groups["Billing"], "priority": "high"})
    from tests.help_center.test_requests import FORM, form_data

    data = {**form_data(client), "body": "I need a refund for order 7."}
    assert client.post(FORM, data=data).status_code == 302
    key = api_keys.create_api_key("Shop", by=CLI).secret
    response = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {key}"}, json={
        "subject": "Refund", "body": "refund please", "email": "omar@example.com"})
    assert response.status_code == 201, response.get_json()
    rows = db.session.execute(db.select(Ticket.channel, Ticket.group_id, Ticket.priority).order_by(Ticket.id)).all()
    assert [tuple(r) for r in rows] == [("help_center", groups["Billing"], "high"), ("api", groups["Billing"], "high")]


def test_rules_move_and_delete(groups):
    first, second = rule("One", {}, {"priority": "low"}), rule("Two", {}, {"priority": "high"})
    routing.move_rule(second.id, -1, by=CLI)
    assert [r.name for r in routing.all_rules()] == ["Two", "One"]
    assert make_ticket().priority == "low"  # One runs last now
    routing.delete_rule(first.id, by=CLI)
    assert [r.name for r in routing.all_rules()] == ["Two"]
