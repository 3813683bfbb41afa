"""Visitors on the shop's site now, for agents to reach out to."""

from app.visitors.views import bp

__all__ = ["bp"]
