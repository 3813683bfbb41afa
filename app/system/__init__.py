"""Operational endpoints: health check and the site root."""

from app.system.views import bp

__all__ = ["bp"]
