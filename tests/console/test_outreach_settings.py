"""Settings › Outreach: admins only, CSRF, a rule saved from the form as the service's JSON, the
service's reasons shown by their fields with nothing stored, editing, deleting, the cap across rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import OutreachRule
from app.services.outreach import rules
from app.services.outreach.rules import RuleSpec
from app.services.platform.audit import CLI

LIST = "/console/settings/outreach"
NEW = f"{LIST}/new"
CART_IDLE = {"name": "Cart rescue", "active": "y", "priority": "70", "trigger_kind": "cart_idle", "seconds": "180",
             "url_pattern": "/checkout", "event": "ignored_event", "days": "9", "stages": ["conversion"],
             "cart_min": "20", "languages": "en, PT", "visitor": "any", "action_kind": "widget_message",
             "from_agent_id": "", "subject": "not for a widget message",
             "body": "Hi {{customer.first_name|there}}, need a hand with your order?", "holdout_percent": "10",
             "cap_hours": "12", "conversion_hours": "48", "starts_at": "2026-12-01", "ends_at": ""}


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(OutreachRule.id)))


def _rule(name: str = "Welcome back", **changes) -> OutreachRule:
    spec = {"name": name, "trigger": {"kind": "event", "event": "checkout_started"},
            "action": {"kind": "agent_alert", "body": "Someone is at checkout"}, **changes}
    return rules.save_rule(RuleSpec(**spec), by=CLI)


@pytest.mark.parametrize("path", [LIST, NEW, f"{LIST}/1"])
def test_agents_get_403_and_the_signed_out_go_to_the_login(client, make_agent, auth, path):
    assert client.get(path).status_code == 302
    auth.login(make_agent("agent").email)
    assert client.get(path).status_code == 403


def test_the_list_shows_each_rule_in_words(client, admin):
    _rule("Checkout nudge", holdout_percent=15, priority=80)
    _rule("Idle cart", trigger={"kind": "cart_idle", "seconds": 180, "url_pattern": "/checkout"}, active=False,
          audience={"stages": ["conversion"], "cart_min": "20", "visitor": "returning"})
    _rule("Thank you", trigger={"kind": "days_after_first_order", "days": 7},
          action={"kind": "email", "subject": "Thanks", "body": "How is it?"})
    page = client.get(LIST)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'aria-current="page">Outreach</a>' in html
    assert "Event checkout_started" in html and "Cart idle 3 min on /checkout" in html
    assert "7 days after first order" in html and "Alert online agents" in html and "Send an email" in html
    assert "stage Conversion, cart at least 20, returning visitors only" in html and "Everyone" in html
    assert "15 %" in html and ">80<" in html and "Paused" in html and "Active" in html
    assert "Report: Checkout nudge" in html and "/console/settings/outreach/report" in html  # reports linked


def test_admin_creates_a_cart_idle_widget_rule_through_the_form(client, admin, post_form):
    assert client.get(NEW).status_code == 200
    saved = post_form(NEW, CART_IDLE, page=NEW)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(LIST)
    rule = db.session.scalar(db.select(OutreachRule))
    # Only the fields the chosen kinds use are stored: the event, days and subject typed are not.
    assert rule.trigger == {"kind": "cart_idle", "seconds": 180, "url_pattern": "/checkout"}
    assert rule.action == {"kind": "widget_message", "body": CART_IDLE["body"]}
    assert rule.audience == {"stages": ["conversion"], "cart_min": "20", "languages": ["en", "pt"]}
    assert (rule.name, rule.active, rule.priority, rule.holdout_percent, rule.cap_hours, rule.conversion_hours) == (
        "Cart rescue", True, 70, 10, 12, 48)
    assert rule.starts_at == datetime(2026, 12, 1, tzinfo=UTC) and rule.ends_at is None
    assert "Outreach rule saved." in client.get(LIST).get_data(as_text=True)


def test_a_widget_message_can_come_from_an_agent(client, admin, post_form):
    assert f'<option value="{admin.id}">' in client.get(NEW).get_data(as_text=True)
    assert post_form(NEW, {**CART_IDLE, "from_agent_id": str(admin.id)}, page=NEW).status_code == 302
    assert db.session.scalar(db.select(OutreachRule)).action["from_agent_id"] == admin.id


def test_an_invalid_page_pattern_is_refused_by_its_field(client, admin, post_form):
    bad = post_form(NEW, {**CART_IDLE, "url_pattern": "("}, page=NEW)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "The page pattern is not valid" in html
    assert 'id="url_pattern-error"' in html and 'value="Cart rescue"' in html  # by the field, typing kept
    assert _count() == 0


def test_an_audience_nobody_can_be_in_is_refused(client, admin, post_form):
    bad = post_form(NEW, {**CART_IDLE, "cart_min": "100", "cart_max": "50"}, page=NEW)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Nobody can be in this audience" in html and 'id="cart_max-error"' in html
    assert _count() == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"trigger_kind": ""}, "trigger_kind"),  # the service's "trigger" is the form's radios
    ({"action_kind": "email", "subject": ""}, "subject"),
    ({"cap_hours": "0"}, "cap_hours"),
    ({"ends_at": "2026-11-30"}, "ends_at"),  # before the start
])
def test_each_refusal_shows_by_its_field(client, admin, post_form, changes, field):
    bad = post_form(NEW, {**CART_IDLE, **changes}, page=NEW)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and _count() == 0
    assert f'id="{field}-error"' in html


def test_editing_shows_the_stored_values_and_keeps_them(client, admin, post_form):
    post_form(NEW, CART_IDLE, page=NEW)
    rule = db.session.scalar(db.select(OutreachRule))
    edit = f"{LIST}/{rule.id}"
    html = client.get(edit).get_data(as_text=True)
    for shown in ('value="Cart rescue"', 'value="180"', 'value="/checkout"', 'value="en, pt"', 'value="2026-12-01"'):
        assert shown in html, shown
    for ticked in ("cart_idle", "conversion", "widget_message"):
        assert re.search(f'<input checked[^>]* value="{ticked}"', html), ticked
    assert post_form(edit, {**CART_IDLE, "name": "Cart rescue 2", "seconds": "300"}, page=edit).status_code == 302
    db.session.expire_all()
    assert _count() == 1 and rule.name == "Cart rescue 2" and rule.trigger["seconds"] == 300
    assert rule.audience["languages"] == ["en", "pt"]
    assert client.get(f"{LIST}/999").status_code == 404


def test_deleting_hides_the_rule_and_keeps_its_row(client, admin, post_form):
    rule = _rule("Going away")
    assert post_form(f"{LIST}/{rule.id}/delete", page=LIST).status_code == 302
    db.session.expire_all()
    assert rule.deleted_at is not None and not rule.active
    assert "Going away" not in client.get(LIST).get_data(as_text=True)
    assert client.get(f"{LIST}/{rule.id}").status_code == 404
    assert post_form(f"{LIST}/{rule.id}/delete", page=LIST).status_code == 404


def test_the_cap_across_rules_is_saved_and_checked(client, admin, post_form):
    assert 'value="4"' in client.get(LIST).get_data(as_text=True)  # the default
    assert post_form(f"{LIST}/cap", {"visitor_cap_hours": "12"}, page=LIST).status_code == 302
    assert rules.visitor_cap_hours() == 12
    bad = post_form(f"{LIST}/cap", {"visitor_cap_hours": "500"}, page=LIST)
    assert bad.status_code == 400 and "from 1 to 168" in bad.get_data(as_text=True)
    assert rules.visitor_cap_hours() == 12


def test_forms_need_csrf(client, admin):
    rule = _rule()
    assert client.post(NEW, data=CART_IDLE).status_code == 400
    assert client.post(f"{LIST}/cap", data={"visitor_cap_hours": "12"}).status_code == 400
    client.post(f"{LIST}/{rule.id}/delete")
    db.session.expire_all()
    assert _count() == 1 and rule.deleted_at is None and rules.visitor_cap_hours() == 4


def test_names_and_patterns_are_escaped_in_the_list(client, admin):
    _rule("<script>alert(1)</script>", trigger={"kind": "event", "event": "cart_updated", "url_pattern": "<b>"})
    html = client.get(LIST).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html and "on &lt;b&gt;" in html
