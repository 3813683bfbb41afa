"""The public help center: the knowledge base, Submit a request, My requests."""

from flask import Blueprint

from app.help_center import kb_views, my_requests, survey_views, views

bp = Blueprint("help_center", __name__, url_prefix="/help")
views.register(bp)
kb_views.register(bp)
my_requests.register(bp)
survey_views.register(bp)

__all__ = ["bp"]
