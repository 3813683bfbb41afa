"""The agent console: the shell, the knowledge base, settings (agents, API keys, audit log, widget,
lifecycle, chat, feedback, canned responses, knowledge base, routing, outreach, SLA) and the agent's account
(with their own canned responses)."""

from app.console import (
    canned_views,
    chat_settings_views,
    feedback_views,
    kb_views,
    lifecycle_views,
    outbox_views,
    outreach_views,
    routing_views,
    sla_views,
)
from app.console.reports import kb as kb_reports
from app.console.reports import outreach as outreach_reports
from app.console.reports import views as reports
from app.console.views import bp

# Settings › Lifecycle, › Chat, the canned responses and the knowledge base live in their own
# modules; their routes join this blueprint here, explicitly.
lifecycle_views.register(bp)
chat_settings_views.register(bp)
feedback_views.register(bp)
canned_views.register(bp)
routing_views.register(bp)
outreach_views.register(bp)
outreach_reports.register(bp)
outbox_views.register(bp)
sla_views.register(bp)
kb_views.register(bp)
kb_reports.register(bp)
reports.register(bp)

__all__ = ["bp"]
