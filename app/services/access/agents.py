"""Managing agents: create, invite, deactivate, roles and passwords. Admin use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func

from app.extensions import db
from app.models import ROLES, Agent, AgentInvite
from app.models.base import utcnow
from app.services.access import auth, passwords, revocation
from app.services.access.tokens import hash_token, new_token
from app.services.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from app.services.platform import audit, realtime
from app.services.platform.audit import Actor


@dataclass(frozen=True)
class Invitation:
    """An invited agent and the one-time token for the link (shown to the admin once)."""

    agent: Agent
    token: str


def list_agents() -> list[Agent]:
    """All agents, active first, then by name."""
    return list(
        db.session.scalars(db.select(Agent).order_by(Agent.active.desc(), Agent.display_name))
    )


def get_agent(agent_id: int) -> Agent:
    """The agent with this id, or NotFoundError."""
    agent = db.session.get(Agent, agent_id)
    if agent is None:
        raise NotFoundError("No such agent.")
    return agent


def _check_new_agent(email: str, display_name: str, role: str) -> str:
    email = auth.normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise DomainError("Enter a valid email address.", field="email")
    if not display_name.strip():
        raise DomainError("Enter a name.", field="display_name")
    if role not in ROLES:
        raise DomainError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if db.session.scalar(db.select(Agent.id).where(Agent.email == email)) is not None:
        raise ConflictError("An agent with this email already exists.", field="email")
    return email


def create_agent(email: str, display_name: str, role: str, password: str, *, by: Actor) -> Agent:
    """Create an agent who can sign in at once (admin form, CLI, demo data)."""
    email = _check_new_agent(email, display_name, role)
    agent = Agent(
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=passwords.hash_password(password),
    )
    db.session.add(agent)
    db.session.flush()
    audit.record("agent.created", actor=by, target=agent, details={"role": role})
    db.session.commit()
    return agent


def invite_agent(email: str, display_name: str, role: str, *, by: Actor) -> Invitation:
    """Create an agent without a password and a one-time link to choose one."""
    email = _check_new_agent(email, display_name, role)
    agent = Agent(email=email, display_name=display_name.strip(), role=role)
    db.session.add(agent)
    db.session.flush()
    token = _new_invite(agent, by)
    audit.record("agent.invited", actor=by, target=agent, details={"role": role})
    db.session.commit()
    return Invitation(agent=agent, token=token)


def reissue_invite(agent_id: int, *, by: Actor) -> Invitation:
    """A fresh invite link for an agent who has not accepted yet; older links stop working."""
    agent = get_agent(agent_id)
    if agent.has_accepted_invite:
        raise ConflictError("This agent has already joined.")
    db.session.execute(
        db.update(AgentInvite)
        .where(AgentInvite.agent_id == agent.id, AgentInvite.used_at.is_(None))
        .values(used_at=utcnow())
    )
    token = _new_invite(agent, by)
    audit.record("agent.invite_reissued", actor=by, target=agent)
    db.session.commit()
    return Invitation(agent=agent, token=token)


def _new_invite(agent: Agent, by: Actor) -> str:
    raw, digest = new_token()
    days = current_app.config["HELPDESK_INVITE_DAYS"]
    db.session.add(
        AgentInvite(
            agent_id=agent.id,
            token_hash=digest,
            created_by_id=by.id if by.type == "agent" else None,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return raw


def pending_invite(token: str) -> AgentInvite:
    """The unused, unexpired invite for this token, or NotFoundError."""
    invite = db.session.scalar(db.select(AgentInvite).where(AgentInvite.token_hash == hash_token(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= utcnow():
        raise NotFoundError("This invitation link is invalid or has expired.")
    if not invite.agent.active:
        raise NotFoundError("This invitation link is invalid or has expired.")
    return invite


def accept_invite(token: str, password: str) -> Agent:
    """The invited agent chooses a password; the link is then used up."""
    invite = pending_invite(token)
    invite.agent.password_hash = passwords.hash_password(password)
    invite.used_at = utcnow()
    audit.record("agent.joined", actor=Actor.agent(invite.agent), target=invite.agent)
    db.session.commit()
    return invite.agent


def _active_admin_count() -> int:
    return db.session.scalar(
        db.select(func.count(Agent.id)).where(Agent.role == "admin", Agent.active.is_(True))
    )


def deactivate_agent(agent_id: int, *, by: Actor) -> Agent:
    """Stop an agent signing in: sessions revoked, open console sockets told to leave."""
    agent = get_agent(agent_id)
    if by.type == "agent" and by.id == agent.id:
        raise PermissionDeniedError("You cannot deactivate yourself.")
    if not agent.active:
        return agent
    if agent.is_admin and _active_admin_count() <= 1:
        raise ConflictError("The last active admin cannot be deactivated.")
    agent.active = False
    agent.deactivated_at = utcnow()
    auth.revoke_sessions(agent.id)
    audit.record("agent.deactivated", actor=by, target=agent)
    db.session.commit()
    realtime.session_revoked(agent.id)
    revocation.end_agent_sockets(agent.id)
    return agent


def reactivate_agent(agent_id: int, *, by: Actor) -> Agent:
    """Let a deactivated agent sign in again (with their old password)."""
    agent = get_agent(agent_id)
    if agent.active:
        return agent
    agent.active = True
    agent.deactivated_at = None
    audit.record("agent.reactivated", actor=by, target=agent)
    db.session.commit()
    return agent


def change_role(agent_id: int, role: str, *, by: Actor) -> Agent:
    """Make an agent an admin or take it back; the last active admin stays an admin."""
    if role not in ROLES:
        raise DomainError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    agent = get_agent(agent_id)
    if agent.role == role:
        return agent
    if agent.is_admin and agent.active and _active_admin_count() <= 1:
        raise ConflictError("The last active admin must stay an admin.")
    audit.record("agent.role_changed", actor=by, target=agent, details={"from": agent.role, "to": role})
    agent.role = role
    db.session.commit()
    return agent


def change_password(agent_id: int, current: str, new: str, *, keep_token: str | None) -> Agent:
    """An agent changes their own password; every other session of theirs is signed out."""
    agent = get_agent(agent_id)
    if not passwords.verify_password(agent.password_hash, current):
        raise DomainError("Your current password is not correct.", field="current_password")
    agent.password_hash = passwords.hash_password(new)
    auth.revoke_sessions(agent.id, keep_token=keep_token)
    audit.record("agent.password_changed", actor=Actor.agent(agent), target=agent)
    db.session.commit()
    realtime.session_revoked(agent.id)
    revocation.end_agent_sockets(agent.id, except_session_id=auth.session_id(keep_token))
    return agent
