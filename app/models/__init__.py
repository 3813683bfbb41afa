"""All models, imported here so that Alembic and the app see the whole metadata."""

from app.models.agent import ROLES, Agent, AgentInvite, AgentSession
from app.models.api_key import ApiKey
from app.models.audit import AuditEvent

__all__ = ["ROLES", "Agent", "AgentInvite", "AgentSession", "ApiKey", "AuditEvent"]
