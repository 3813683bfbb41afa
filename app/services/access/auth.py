"""Signing agents in and out: server-side sessions that can be revoked at any time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from app.extensions import db
from app.models import Agent, AgentSession
from app.models.base import utcnow
from app.services.access import passwords, revocation
from app.services.access.tokens import hash_token, new_token
from app.services.errors import InvalidCredentialsError
from app.services.platform import audit
from app.services.platform.audit import Actor

# Refreshing last_seen_at on every request would turn every read into a write.
TOUCH_INTERVAL = timedelta(minutes=5)
SIGN_IN_FAILED = "Wrong email or password."


@dataclass(frozen=True)
class SignIn:
    """The outcome of a successful sign-in: the agent and the raw token for the cookie."""

    agent: Agent
    token: str


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def sign_in(email: str, password: str, *, ip_address: str | None, user_agent: str | None) -> SignIn:
    """Check the credentials and open a session. Called by the sign-in view.

    Unknown email, wrong password, inactive agent and unaccepted invite all raise the same
    InvalidCredentialsError, so the answer does not tell which accounts exist.
    """
    agent = db.session.scalar(db.select(Agent).where(Agent.email == normalise_email(email)))
    ok = passwords.verify_password(agent.password_hash if agent else None, password)
    if not ok or agent is None or not agent.active:
        audit.record(
            "auth.sign_in_failed",
            actor=Actor("anonymous", ip_address=ip_address),
            details={"email": normalise_email(email)[:254]},
        )
        db.session.commit()
        raise InvalidCredentialsError(SIGN_IN_FAILED)
    raw, digest = new_token()
    now = utcnow()
    db.session.add(
        AgentSession(
            agent=agent,
            token_hash=digest,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=current_app.config["HELPDESK_SESSION_DAYS"]),
            ip_address=ip_address,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    agent.last_sign_in_at = now
    audit.record("auth.signed_in", actor=Actor.agent(agent, ip_address), target=agent)
    db.session.commit()
    return SignIn(agent=agent, token=raw)


def live_session(token: str | None) -> AgentSession | None:
    """The session row behind a token while it is valid and its agent active, else None.

    Called on every console request and every console socket event (through agent_for_session),
    and by the console socket's connect, which records the session id with the socket.
    """
    if not token:
        return None
    row = db.session.scalar(db.select(AgentSession).where(AgentSession.token_hash == hash_token(token)))
    now = utcnow()
    if row is None or not row.is_valid_at(now) or not row.agent.active:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    return row


def agent_for_session(token: str | None) -> Agent | None:
    """The active agent behind a session token, or None when it is unknown, expired or revoked."""
    row = live_session(token)
    return row.agent if row is not None else None


def sign_out(token: str | None) -> None:
    """Revoke the session behind this token, so a copied cookie stops working too; its open
    console sockets are disconnected on every process (revocation.end_session_sockets)."""
    if not token:
        return
    row = db.session.scalar(db.select(AgentSession).where(AgentSession.token_hash == hash_token(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("auth.signed_out", actor=Actor.agent(row.agent), target=row.agent)
        db.session.commit()
        revocation.end_session_sockets(row.id)


def revoke_sessions(agent_id: int, *, keep_token: str | None = None) -> int:
    """Revoke an agent's open sessions (all, or all but one). Flushes; the caller commits, then
    calls revocation.end_agent_sockets so that live sockets end too."""
    stmt = (
        update(AgentSession)
        .where(AgentSession.agent_id == agent_id, AgentSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep_token:
        stmt = stmt.where(AgentSession.token_hash != hash_token(keep_token))
    return db.session.execute(stmt).rowcount


def session_id(token: str | None) -> int | None:
    """The id of the session row behind a token (valid or not), or None."""
    if not token:
        return None
    return db.session.scalar(db.select(AgentSession.id).where(AgentSession.token_hash == hash_token(token)))


def purge_expired_sessions() -> int:
    """Delete sessions that expired or were revoked more than a day ago. A periodic job."""
    cutoff = utcnow() - timedelta(days=1)
    result = db.session.execute(
        db.delete(AgentSession).where(
            (AgentSession.expires_at < cutoff) | (AgentSession.revoked_at < cutoff)
        )
    )
    db.session.commit()
    return result.rowcount
