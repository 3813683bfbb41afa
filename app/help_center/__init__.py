"""The public help center at /help (the knowledge-base capability fills it)."""

from app.help_center.views import bp

__all__ = ["bp"]
