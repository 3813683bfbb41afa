"""Agent administration use cases."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Agent, AgentInvite, AuditEvent
from app.models.base import utcnow
from app.services.access import agents, auth
from app.services.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from app.services.platform.audit import CLI, Actor
from tests.conftest import AGENT_PASSWORD


def actions():
    return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


def test_create_agent_normalises_email_and_hashes_password(app):
    agent = agents.create_agent("  Bea@Example.COM ", " Bea ", "agent", AGENT_PASSWORD, by=CLI)
    assert agent.email == "bea@example.com" and agent.display_name == "Bea"
    assert agent.password_hash.startswith("$argon2id$") and AGENT_PASSWORD not in agent.password_hash
    assert actions() == ["agent.created"]


@pytest.mark.parametrize(
    "email,name,role,password,field",
    [
        ("not-an-email", "X", "agent", AGENT_PASSWORD, "email"),
        ("x@example.com", "  ", "agent", AGENT_PASSWORD, "display_name"),
        ("x@example.com", "X", "owner", AGENT_PASSWORD, "role"),
        ("x@example.com", "X", "agent", "short", "password"),
    ],
)
def test_create_agent_rejects_bad_input_and_stores_nothing(app, email, name, role, password, field):
    with pytest.raises(DomainError) as info:
        agents.create_agent(email, name, role, password, by=CLI)
    assert info.value.field == field
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Agent.id))) == 0


def test_duplicate_email_is_a_conflict(make_agent):
    agent = make_agent()
    with pytest.raises(ConflictError):
        agents.create_agent(agent.email.upper(), "Other", "agent", AGENT_PASSWORD, by=CLI)


def test_invite_then_accept_once(app):
    invitation = agents.invite_agent("new@example.com", "New", "agent", by=CLI)
    assert not invitation.agent.has_accepted_invite
    assert agents.pending_invite(invitation.token).agent.id == invitation.agent.id
    agents.accept_invite(invitation.token, "a-good-password")
    assert auth.sign_in("new@example.com", "a-good-password", ip_address=None, user_agent=None)
    with pytest.raises(NotFoundError):
        agents.accept_invite(invitation.token, "another-password")


def test_expired_invite_is_refused(app):
    invitation = agents.invite_agent("late@example.com", "Late", "agent", by=CLI)
    invite = db.session.scalar(db.select(AgentInvite))
    invite.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(NotFoundError):
        agents.accept_invite(invitation.token, "a-good-password")


def test_reissued_invite_replaces_the_old_link(app):
    first = agents.invite_agent("again@example.com", "Again", "agent", by=CLI)
    second = agents.reissue_invite(first.agent.id, by=CLI)
    with pytest.raises(NotFoundError):
        agents.pending_invite(first.token)
    assert agents.pending_invite(second.token)


def test_reissue_for_a_joined_agent_is_a_conflict(make_agent):
    with pytest.raises(ConflictError):
        agents.reissue_invite(make_agent().id, by=CLI)


def test_deactivation_revokes_sessions(make_agent):
    admin, agent = make_agent("admin"), make_agent()
    session = auth.sign_in(agent.email, AGENT_PASSWORD, ip_address=None, user_agent=None)
    agents.deactivate_agent(agent.id, by=Actor.agent(admin))
    assert auth.agent_for_session(session.token) is None
    assert not agent.active and agent.deactivated_at is not None
    agents.reactivate_agent(agent.id, by=Actor.agent(admin))
    assert agent.active and agent.deactivated_at is None


def test_cannot_deactivate_yourself_or_the_last_admin(make_agent):
    admin = make_agent("admin")
    with pytest.raises(PermissionDeniedError):
        agents.deactivate_agent(admin.id, by=Actor.agent(admin))
    with pytest.raises(ConflictError):
        agents.deactivate_agent(admin.id, by=CLI)
    with pytest.raises(ConflictError):
        agents.change_role(admin.id, "agent", by=CLI)
    second = make_agent("admin")
    agents.change_role(admin.id, "agent", by=Actor.agent(second))
    assert admin.role == "agent"


def test_change_password_signs_out_other_sessions(make_agent):
    agent = make_agent()
    here = auth.sign_in(agent.email, AGENT_PASSWORD, ip_address=None, user_agent=None)
    there = auth.sign_in(agent.email, AGENT_PASSWORD, ip_address=None, user_agent=None)
    with pytest.raises(DomainError):
        agents.change_password(agent.id, "wrong-current", "a-new-password", keep_token=here.token)
    agents.change_password(agent.id, AGENT_PASSWORD, "a-new-password", keep_token=here.token)
    assert auth.agent_for_session(here.token) is not None
    assert auth.agent_for_session(there.token) is None
    assert auth.sign_in(agent.email, "a-new-password", ip_address=None, user_agent=None)
