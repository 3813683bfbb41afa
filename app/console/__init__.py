"""The agent console: the shell, the knowledge base, settings (agents, API keys, audit log, widget,
lifecycle, chat, feedback, canned responses, knowledge base, routing, outreach, SLA) and the agent's account
(with their own canned responses).

views.py is the shell, the account and the team's settings; settings/ and reports/ hold the other
pages, kb_views.py the knowledge-base editor. Every module adds its routes in register(bp), called here."""

from flask import Blueprint

from app.console import kb_views, views
from app.console.reports import kb as kb_reports
from app.console.reports import outreach as outreach_reports
from app.console.reports import views as reports
from app.console.settings import canned as canned_settings
from app.console.settings import chat as chat_settings
from app.console.settings import feedback as feedback_settings
from app.console.settings import lifecycle as lifecycle_settings
from app.console.settings import outbox as outbox_settings
from app.console.settings import outreach as outreach_settings
from app.console.settings import routing as routing_settings
from app.console.settings import sla as sla_settings
from app.console.settings import store as store_settings

bp = Blueprint("console", __name__, url_prefix="/console")
views.register(bp)
lifecycle_settings.register(bp)
chat_settings.register(bp)
feedback_settings.register(bp)
canned_settings.register(bp)
routing_settings.register(bp)
outreach_settings.register(bp)
outreach_reports.register(bp)
outbox_settings.register(bp)
sla_settings.register(bp)
store_settings.register(bp)
kb_views.register(bp)
kb_reports.register(bp)
reports.register(bp)

__all__ = ["bp"]
