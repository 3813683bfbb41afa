"""Visitors on the shop's site now, for agents to reach out to."""

from flask import Blueprint

from app.visitors import views

bp = Blueprint("visitors", __name__, url_prefix="/console/visitors")
views.register(bp)

__all__ = ["bp"]
