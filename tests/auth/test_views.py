"""Sign-in and sign-out over HTTP: errors, CSRF, cookies, replay, enumeration, rate limits."""

import pytest

from app.extensions import db
from app.models import Agent, AgentSession
from tests.conftest import AGENT_PASSWORD
from tests.support.html import csrf_from


def test_login_page_renders(client):
    response = client.get("/console/login")
    assert response.status_code == 200
    assert b"Sign in to the console" in response.data


def test_console_redirects_anonymous_to_login(client):
    response = client.get("/console/settings/agents")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")


def test_successful_login_sets_a_hardened_cookie_and_redirects(make_agent, auth):
    agent = make_agent()
    response = auth.login(agent.email)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert auth.client.get("/console/").status_code == 200


@pytest.mark.parametrize("data", [{}, {"email": "a@example.com"}, {"password": "x"}])
def test_missing_fields_are_a_400_with_messages(auth, data):
    token = auth.csrf()
    response = auth.client.post("/console/login", data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert b"Enter your" in response.data


def test_post_without_csrf_is_rejected_and_changes_nothing(client, make_agent):
    agent = make_agent()
    response = client.post("/console/login", data={"email": agent.email, "password": AGENT_PASSWORD})
    assert response.status_code == 400
    assert b"form expired" in response.data
    assert db.session.scalar(db.select(AgentSession)) is None


def test_unknown_email_and_wrong_password_answer_identically(make_agent, auth):
    agent = make_agent()
    wrong = auth.login(agent.email, "not-the-password")
    unknown = auth.login("nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert b"Wrong email or password." in wrong.data
    assert wrong.data.count(b"alert") == unknown.data.count(b"alert")


def test_logout_revokes_the_server_session_so_a_copied_cookie_is_dead(make_agent, auth, app):
    agent = make_agent()
    auth.login(agent.email)
    stolen = auth.client.get_cookie("helpdesk_session").value
    assert auth.logout().status_code == 302
    replay = app.test_client()
    replay.set_cookie("helpdesk_session", stolen)
    response = replay.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_session_changes_at_login(make_agent, auth):
    agent = make_agent()
    auth.client.get("/console/login")
    before = auth.client.get_cookie("helpdesk_session").value
    auth.login(agent.email)
    assert auth.client.get_cookie("helpdesk_session").value != before


@pytest.mark.parametrize("target", ["//evil.test/", "https://evil.test/", "/\\evil.test"])
def test_next_parameter_cannot_leave_the_site(make_agent, auth, target):
    agent = make_agent()
    token = auth.csrf()
    response = auth.client.post(
        "/console/login", query_string={"next": target},
        data={"email": agent.email, "password": AGENT_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/console/"


def test_next_parameter_keeps_a_local_path(make_agent, auth):
    agent = make_agent("admin")
    token = auth.csrf()
    response = auth.client.post(
        "/console/login", query_string={"next": "/console/settings/agents"},
        data={"email": agent.email, "password": AGENT_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/console/settings/agents"


def test_login_is_rate_limited_per_address_even_with_spoofed_forwarded_for(make_agent, auth):
    agent = make_agent()
    token = auth.csrf()
    statuses = [
        auth.client.post(
            "/console/login",
            data={"email": agent.email, "password": "wrong-password", "csrf_token": token},
            headers={"X-Forwarded-For": f"10.0.0.{i}"},
        ).status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    blocked = auth.login(agent.email)  # even the right password waits for the window
    assert blocked.status_code == 429
    assert b"Too many requests" in blocked.data


def test_rate_limits_can_be_switched_off(make_agent):
    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, RATELIMIT_ENABLED=False)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        token = csrf_from(client.get("/console/login").get_data(as_text=True))
        form = {"email": "x@example.com", "password": "y", "csrf_token": token}
        statuses = {client.post("/console/login", data=form).status_code for _ in range(8)}
        assert statuses == {401}
        db.drop_all()


def test_deactivated_agent_is_signed_out_on_next_request(make_agent, auth):
    agent = make_agent()
    auth.login(agent.email)
    db.session.get(Agent, agent.id).active = False
    db.session.commit()
    assert auth.client.get("/console/").status_code == 302
