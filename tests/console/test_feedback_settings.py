"""Settings › Feedback: admins only; the NPS period (0 turns it off, else 30 to 365 days) and the
detractor's follow-up ticket saved and audited, bad values refused with the reason; the NPS flags
offered as conditions in Settings › Routing, › Outreach and › SLA."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AuditEvent
from app.services.feedback import settings as feedback_settings

PAGE = "/console/settings/feedback"


def test_agents_cannot_open_or_save_the_feedback_settings(client, make_agent, auth, post_form):
    auth.login(make_agent("agent").email)
    assert client.get(PAGE).status_code == 403
    assert post_form(PAGE, {"nps_period_days": "0"}).status_code == 403
    assert feedback_settings.current().nps_period_days == 90


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_page_shows_the_defaults_in_the_settings_tabs(client, admin):
    html = client.get(PAGE).get_data(as_text=True)
    assert 'aria-current="page">Feedback</a>' in html
    assert re.search(r'<input [^>]*name="nps_period_days"[^>]*value="90"', html)
    assert re.search(r'<input checked [^>]*name="nps_detractor_ticket"', html)


def test_admin_turns_nps_off_then_sets_a_period_without_tickets(client, admin, post_form):
    off = post_form(PAGE, {"nps_period_days": "0", "nps_detractor_ticket": "y"}, page=PAGE)
    assert off.status_code == 302 and feedback_settings.current().nps_period_days == 0
    assert "Feedback settings saved." in client.get(PAGE).get_data(as_text=True)
    saved = post_form(PAGE, {"nps_period_days": "180"}, page=PAGE)
    assert saved.status_code == 302
    settings = feedback_settings.current()
    assert (settings.nps_period_days, settings.nps_detractor_ticket) == (180, False)
    audited = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "feedback_settings.updated"))
    assert [e.details["nps_period_days"] for e in audited] == [0, 180]


@pytest.mark.parametrize("value,reason", [
    ("10", "The period must be 0 (NPS off) or from 30 to 365 days."),
    ("366", "The period must be 0 (NPS off) or from 30 to 365 days."),
    ("-5", "The period must be 0 (NPS off) or from 30 to 365 days."),
    ("ninety", "Not a valid integer value."),
    ("", "Enter a number of days."),
])
def test_bad_periods_are_refused_with_the_reason_and_nothing_changes(client, admin, post_form, value, reason):
    refused = post_form(PAGE, {"nps_period_days": value, "nps_detractor_ticket": "y"}, page=PAGE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and reason in html and 'aria-invalid="true"' in html
    assert feedback_settings.current().nps_period_days == 90


@pytest.mark.parametrize("path", ["/console/settings/routing/new", "/console/settings/outreach/new",
                                  "/console/settings/sla/new"])
def test_the_nps_groups_are_conditions_of_routing_outreach_and_sla_rules(client, admin, path):
    html = client.get(path).get_data(as_text=True)
    for flag, label in (("promoter", "Promoter (NPS 9–10)"), ("passive", "Passive (NPS 7–8)"),
                        ("detractor", "Detractor (NPS 0–6)")):
        assert f'type="checkbox" value="{flag}"> <span>{label}</span></label>' in html
