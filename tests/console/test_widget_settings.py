"""Settings › Widget: admins only; the snippet, origins and masked secret; rotation by CSRF form."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AuditEvent
from app.services.access import widget_identity

PAGE = "/console/settings/widget"
ROTATE = "/console/settings/widget/rotate-secret"


@pytest.mark.parametrize("role,status", [("agent", 403), ("admin", 200)])
def test_only_admins_open_the_widget_tab(make_agent, auth, role, status):
    auth.login(make_agent(role).email)
    assert auth.client.get(PAGE).status_code == status


def test_agents_cannot_rotate_the_secret(make_agent, auth, post_form):
    secret = widget_identity.identity_secret().secret
    auth.login(make_agent("agent").email)
    assert post_form(ROTATE).status_code == 403
    assert widget_identity.identity_secret().secret == secret


def test_the_page_shows_the_snippet_origins_and_the_secret_behind_a_details(app, client, admin):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = ["https://shop.example"]
    html = client.get(PAGE).get_data(as_text=True)
    secret = widget_identity.identity_secret().secret
    assert "&lt;script src=&#34;http://localhost/widget.js&#34; async&gt;&lt;/script&gt;" in html
    assert "https://shop.example" in html
    details = re.search(r"<details class=\"reveal\">(.*?)</details>", html, re.S).group(1)
    assert secret in details and html.count(secret) == 1
    assert 'aria-current="page">Widget</a>' in html
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither


def test_no_origins_configured_says_so(app, client, admin):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = []
    assert "No shop may send browser events yet." in client.get(PAGE).get_data(as_text=True)


def test_rotating_makes_a_new_secret_and_keeps_the_old_one_for_a_while(client, admin, post_form):
    old = widget_identity.identity_secret().secret
    old_hash = widget_identity.user_hash("cust-1")
    response = post_form(ROTATE, page=PAGE, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "The previous one keeps working until" in html
    db.session.expire_all()
    assert widget_identity.identity_secret().secret != old
    assert widget_identity.verify("cust-1", old_hash)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "widget.identity_secret_rotated"))


def test_rotating_without_the_csrf_token_changes_nothing(client, admin):
    old = widget_identity.identity_secret().secret
    client.post(ROTATE)
    db.session.expire_all()
    assert widget_identity.identity_secret().secret == old


def test_an_env_secret_is_shown_as_such_and_not_rotated_here(app, client, admin, post_form):
    app.config["HELPDESK_IDENTITY_SECRET"] = "set-by-the-operator-" + "z" * 24
    html = client.get(PAGE).get_data(as_text=True)
    assert "is set by <code>HELPDESK_IDENTITY_SECRET</code>" in html and "Rotate secret" not in html
    refused = post_form(ROTATE, page=PAGE, follow_redirects=True).get_data(as_text=True)
    assert "change it there and restart" in refused
