"""The agent console: the shell, settings (agents, API keys, audit log, widget, lifecycle, chat) and
the agent's account."""

from app.console import chat_settings_views, lifecycle_views
from app.console.views import bp

# Settings › Lifecycle and › Chat live in their own modules; their routes join this blueprint here.
lifecycle_views.register(bp)
chat_settings_views.register(bp)

__all__ = ["bp"]
