"""The agent console: the shell, settings (agents, API keys, audit log, lifecycle) and the agent's account."""

from app.console import lifecycle_views
from app.console.views import bp

# Settings › Lifecycle lives in its own module; its routes join this blueprint here, explicitly.
lifecycle_views.register(bp)

__all__ = ["bp"]
