"""The shop's REST API under /api/v1, documented from its schemas at /api/v1/openapi.json."""

from app.api.views import bp

__all__ = ["bp"]
