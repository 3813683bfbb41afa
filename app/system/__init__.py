"""Operational endpoints: health check and the site root."""

from flask import Blueprint

from app.system import views

bp = Blueprint("system", __name__)
views.register(bp)

__all__ = ["bp"]
