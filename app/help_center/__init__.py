"""The public help center: front page, Submit a request, My requests."""

from app.help_center import my_requests  # noqa: F401  (its routes are on bp)
from app.help_center.views import bp

__all__ = ["bp"]
