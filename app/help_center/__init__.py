"""The public help center: the knowledge base, Submit a request, My requests."""

from app.help_center import kb_views, my_requests, survey_views  # noqa: F401  (their routes are on bp)
from app.help_center.views import bp

__all__ = ["bp"]
