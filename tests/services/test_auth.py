"""Sign-in, server-side sessions and their revocation."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AgentSession, AuditEvent
from app.models.base import utcnow
from app.services.access import auth
from app.services.access.tokens import hash_token
from app.services.errors import InvalidCredentialsError
from tests.conftest import AGENT_PASSWORD


def sign_in(email, password=AGENT_PASSWORD):
    return auth.sign_in(email, password, ip_address="127.0.0.1", user_agent="pytest")


def test_sign_in_opens_a_session_that_stores_only_a_hash(make_agent):
    agent = make_agent()
    result = sign_in(agent.email.upper() + "  ")
    row = db.session.scalar(db.select(AgentSession))
    assert result.agent.id == agent.id
    assert row.token_hash == hash_token(result.token) and result.token not in row.token_hash
    assert auth.agent_for_session(result.token).id == agent.id
    assert agent.last_sign_in_at is not None


@pytest.mark.parametrize("case", ["wrong_password", "unknown_email", "inactive", "invited_only"])
def test_every_refusal_looks_the_same(make_agent, case):
    agent = make_agent()
    email, password = agent.email, AGENT_PASSWORD
    if case == "wrong_password":
        password = "not-the-password"
    elif case == "unknown_email":
        email = "nobody@example.com"
    elif case == "inactive":
        agent.active = False
        db.session.commit()
    else:
        agent.password_hash = None
        db.session.commit()
    with pytest.raises(InvalidCredentialsError) as info:
        sign_in(email, password)
    assert info.value.message == auth.SIGN_IN_FAILED
    assert db.session.scalar(db.select(AgentSession)) is None
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed"))


def test_sign_out_revokes_the_session(make_agent):
    result = sign_in(make_agent().email)
    auth.sign_out(result.token)
    assert auth.agent_for_session(result.token) is None
    auth.sign_out(result.token)  # twice is harmless


def test_expired_unknown_and_missing_tokens_give_no_agent(make_agent):
    result = sign_in(make_agent().email)
    row = db.session.scalar(db.select(AgentSession))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert auth.agent_for_session(result.token) is None
    assert auth.agent_for_session("garbage") is None
    assert auth.agent_for_session(None) is None


def test_deactivated_agent_loses_existing_sessions(make_agent):
    agent = make_agent()
    result = sign_in(agent.email)
    agent.active = False
    db.session.commit()
    assert auth.agent_for_session(result.token) is None


def test_revoke_sessions_can_keep_the_current_one(make_agent):
    agent = make_agent()
    keep, drop = sign_in(agent.email), sign_in(agent.email)
    assert auth.revoke_sessions(agent.id, keep_token=keep.token) == 1
    db.session.commit()
    assert auth.agent_for_session(keep.token) is not None
    assert auth.agent_for_session(drop.token) is None


def test_last_seen_is_touched_only_after_the_interval(make_agent):
    result = sign_in(make_agent().email)
    row = db.session.scalar(db.select(AgentSession))
    first = row.last_seen_at
    auth.agent_for_session(result.token)
    assert row.last_seen_at == first
    row.last_seen_at = utcnow() - auth.TOUCH_INTERVAL - timedelta(seconds=1)
    db.session.commit()
    auth.agent_for_session(result.token)
    assert row.last_seen_at > first - timedelta(seconds=1)


def test_purge_removes_only_long_dead_sessions(make_agent):
    agent = make_agent()
    live, old_revoked, old_expired = sign_in(agent.email), sign_in(agent.email), sign_in(agent.email)
    rows = {r.token_hash: r for r in db.session.scalars(db.select(AgentSession))}
    rows[hash_token(old_revoked.token)].revoked_at = utcnow() - timedelta(days=2)
    rows[hash_token(old_expired.token)].expires_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert auth.purge_expired_sessions() == 2
    assert [r.token_hash for r in db.session.scalars(db.select(AgentSession))] == [hash_token(live.token)]
