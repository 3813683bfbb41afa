"""The widget script that shops embed with a script tag."""

from flask import Blueprint

from app.widget import views

bp = Blueprint("widget", __name__)
views.register(bp)

__all__ = ["bp"]
