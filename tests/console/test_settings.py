"""Console settings over HTTP: who may open what, and the admin forms' wiring."""

import re

import pytest

from app.extensions import db
from app.models import Agent, ApiKey
from tests.conftest import AGENT_PASSWORD

ADMIN_PAGES = ["/console/settings/agents", "/console/settings/api-keys", "/console/settings/audit-log"]
AGENT_PAGES = ["/console/", "/console/account"]


@pytest.mark.parametrize("path", ADMIN_PAGES + AGENT_PAGES)
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


@pytest.mark.parametrize("role,path,status", [
    *[("agent", p, 403) for p in ADMIN_PAGES],
    *[("admin", p, 200) for p in ADMIN_PAGES],
    *[(r, p, 200) for r in ("agent", "admin") for p in AGENT_PAGES],
])
def test_page_access_by_role(make_agent, auth, role, path, status):
    auth.login(make_agent(role).email)
    assert auth.client.get(path).status_code == status


@pytest.mark.parametrize("path", [
    "/console/settings/agents", "/console/settings/api-keys",
    "/console/settings/agents/1/deactivate", "/console/settings/api-keys/1/revoke",
])
def test_agents_cannot_post_admin_forms(make_agent, auth, post_form, path):
    make_agent("admin")
    auth.login(make_agent("agent").email)
    assert post_form(path, {"name": "x", "email": "x@example.com", "display_name": "X"}).status_code == 403


def test_nav_shows_settings_to_admins_only(make_agent, auth):
    auth.login(make_agent("agent").email)
    assert b">Settings<" not in auth.client.get("/console/").data


def test_admin_creates_an_agent_with_a_password(admin, post_form, auth):
    response = post_form("/console/settings/agents", {
        "display_name": "Fay", "email": "fay@example.com", "role": "agent", "mode": "password",
        "password": "fay-password-1",
    })
    assert response.status_code == 302
    assert b"fay@example.com" in auth.client.get("/console/settings/agents").data
    auth.logout()
    assert auth.login("fay@example.com", "fay-password-1").status_code == 302


def test_password_mode_needs_a_password(admin, post_form):
    response = post_form("/console/settings/agents", {
        "display_name": "Gus", "email": "gus@example.com", "role": "agent", "mode": "password",
    })
    assert response.status_code == 400 and b"Enter a password" in response.data
    assert db.session.scalar(db.select(Agent).where(Agent.email == "gus@example.com")) is None


def test_invite_shows_the_link_once(admin, post_form, client):
    response = post_form("/console/settings/agents", {
        "display_name": "Hal", "email": "hal@example.com", "role": "agent", "mode": "invite",
    })
    assert response.status_code == 201
    link = re.search(rb'value="(http://localhost/console/invite/[^"]+)"', response.data).group(1).decode()
    assert link.split("/invite/")[1].encode() not in client.get("/console/settings/agents").data
    assert client.get(link.replace("http://localhost", "")).status_code == 200


def test_duplicate_email_is_explained(admin, post_form):
    response = post_form("/console/settings/agents", {
        "display_name": "Again", "email": admin.email, "role": "agent", "mode": "invite",
    })
    assert response.status_code == 409 and b"already exists" in response.data


def test_deactivate_and_reactivate(admin, make_agent, post_form):
    agent = make_agent()
    assert post_form(f"/console/settings/agents/{agent.id}/deactivate").status_code == 302
    assert db.session.get(Agent, agent.id).active is False
    post_form(f"/console/settings/agents/{agent.id}/reactivate")
    assert db.session.get(Agent, agent.id).active is True


def test_admin_cannot_deactivate_themselves(admin, post_form, client):
    post_form(f"/console/settings/agents/{admin.id}/deactivate")
    assert db.session.get(Agent, admin.id).active is True
    assert b"cannot deactivate yourself" in client.get("/console/settings/agents").data


def test_change_role(admin, make_agent, post_form):
    agent = make_agent()
    post_form(f"/console/settings/agents/{agent.id}/role", {"role": "admin"})
    assert db.session.get(Agent, agent.id).role == "admin"


def test_action_without_csrf_changes_nothing(admin, make_agent, client):
    agent = make_agent()
    assert client.post(f"/console/settings/agents/{agent.id}/deactivate").status_code == 400
    assert db.session.get(Agent, agent.id).active is True


def test_api_key_secret_is_shown_once_then_revoked(admin, post_form, client):
    response = post_form("/console/settings/api-keys", {"name": "Shop server"})
    assert response.status_code == 201
    secret = re.search(rb'value="(hd_[^"]+)"', response.data).group(1).decode()
    assert secret.encode() not in client.get("/console/settings/api-keys").data
    assert client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    key = db.session.scalar(db.select(ApiKey))
    assert post_form(f"/console/settings/api-keys/{key.id}/revoke").status_code == 302
    assert client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_api_key_name_is_required(admin, post_form):
    assert post_form("/console/settings/api-keys", {"name": ""}).status_code == 400
    assert db.session.scalar(db.select(ApiKey)) is None


def test_audit_log_lists_admin_actions(admin, make_agent, post_form, client):
    agent = make_agent()
    post_form(f"/console/settings/agents/{agent.id}/deactivate")
    page = client.get("/console/settings/audit-log").data
    assert b"agent.deactivated" in page and b"auth.signed_in" in page


def test_change_own_password(make_agent, auth, post_form):
    agent = make_agent()
    auth.login(agent.email)
    wrong = post_form("/console/account", {
        "current_password": "nope", "password": "brand-new-pass", "confirm": "brand-new-pass",
    })
    assert wrong.status_code == 400 and b"not correct" in wrong.data
    ok = post_form("/console/account", {
        "current_password": AGENT_PASSWORD, "password": "brand-new-pass", "confirm": "brand-new-pass",
    })
    assert ok.status_code == 302
    assert auth.client.get("/console/").status_code == 200  # this session stays signed in
    auth.logout()
    assert auth.login(agent.email, "brand-new-pass").status_code == 302


def test_user_text_is_escaped(admin, make_agent, client):
    make_agent(name='<img src=x onerror=alert(1)>')
    page = client.get("/console/settings/agents").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_every_settings_tab_and_the_pages_it_covers_exist(app):
    from app.console.navigation import SETTINGS

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    tabs = [tab for _group, group_tabs in SETTINGS for tab in group_tabs]
    assert len(tabs) == 15
    for tab in tabs:
        assert tab.endpoint in endpoints and set(tab.also) <= endpoints, tab


def test_settings_tabs_are_grouped_and_the_current_one_is_marked(client, admin):
    html = client.get("/console/settings/outreach/report").get_data(as_text=True)
    start = html.index('<nav class="settings-nav"')
    nav = html[start:html.index("</nav>", start)]
    assert re.findall(r'id="settings-group-\d">([^<]+)<', nav) == ["Team", "Channels", "Support", "Customers"]
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == ["Outreach"]  # a rule's report is the Outreach tab's
