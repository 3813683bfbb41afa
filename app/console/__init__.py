"""The agent console: the shell, settings (agents, API keys, audit log) and the agent's account."""

from app.console.views import bp

__all__ = ["bp"]
