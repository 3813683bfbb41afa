"""Settings › Routing and › Groups: admins only, CSRF, errors that keep what was typed, a test
against a sample ticket that saves nothing."""

from __future__ import annotations

from app.extensions import db
from app.models import RoutingRule, TicketGroup, TicketGroupMember
from tests.factories import make_ticket


def test_agents_cannot_open_routing_or_groups(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    for path in ("/console/settings/routing", "/console/settings/routing/new", "/console/settings/groups"):
        assert client.get(path).status_code == 403


def test_admin_creates_a_group_then_a_rule_after_testing_it(client, admin, post_form):
    page = "/console/settings/groups"
    assert post_form(page, {"name": "Billing", "members": [str(admin.id)]}, page=page).status_code == 302
    group = db.session.scalar(db.select(TicketGroup))
    assert db.session.scalar(db.select(TicketGroupMember.agent_id)) == admin.id
    assert post_form(page, {"name": "billing"}, page=page).status_code == 400  # the name is taken

    new = "/console/settings/routing/new"
    rule = {"name": "Refunds to Billing", "active": "y", "words": "refund, money back", "group_id": str(group.id),
            "priority": "high", "add_tags": "billing", "sample_subject": "Refund?",
            "sample_body": "I want my money back", "sample_channel": "help_center"}
    tested = post_form(new, {**rule, "action": "test"}, page=new)
    html = tested.get_data(as_text=True)
    assert tested.status_code == 200 and "The rule matches." in html and "group Billing" in html
    assert db.session.scalar(db.select(db.func.count(RoutingRule.id))) == 0

    bad = post_form(new, {**rule, "cart_min": "500", "cart_max": "100", "action": "save"}, page=new)
    assert bad.status_code == 400 and "above the highest" in bad.get_data(as_text=True)
    assert 'value="refund, money back"' in bad.get_data(as_text=True)  # kept
    saved = post_form(new, {**rule, "action": "save"}, page=new)
    assert saved.status_code == 302
    listed = client.get("/console/settings/routing").get_data(as_text=True)
    assert "Refunds to Billing" in listed and "mentions “refund” or “money back”" in listed


def test_rule_text_is_escaped(client, admin, post_form):
    new = "/console/settings/routing/new"
    post_form(new, {"name": "<b>x</b>", "words": "<script>alert(1)</script>", "priority": "high", "action": "save",
                    "sample_channel": "help_center"}, page=new)
    listed = client.get("/console/settings/routing").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listed and "&lt;script&gt;alert(1)&lt;/script&gt;" in listed
    assert "<b>x</b>" not in listed


def test_forms_need_csrf(client, admin):
    assert client.post("/console/settings/routing/new", data={"name": "x", "priority": "high"}).status_code == 400
    assert client.post("/console/settings/groups", data={"name": "x"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count(RoutingRule.id))) == 0


def test_the_outbox_shows_held_mail_to_admins_escaped(client, admin, make_agent):
    make_ticket(subject="<img src=x onerror=alert(1)>", body="b")
    page = client.get("/console/settings/email").get_data(as_text=True)
    assert "kept here and not sent" in page and "ines@example.com" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_rule_list_reads_stages_flags_segments_and_channels_in_words(client, admin):
    from app.services.platform.audit import Actor
    from app.services.tickets import routing

    routing.save_rule(routing.RuleSpec(name="VIP carts", stop=False, active=True, conditions={
        "channels": ["help_center"], "stages": ["conversion"], "flags": ["at_risk"], "segments": ["new_customer"]},
        actions={"priority": "high"}), by=Actor("system"))
    html = client.get("/console/settings/routing").get_data(as_text=True)
    assert "channel is Help center" in html and "customer in Conversion" in html
    assert "customer flagged At risk" in html and "segment New customer" in html
