"""The console's inbox: conversation lists and the conversation page with its composer."""

from flask import Blueprint

from app.inbox import canned_views, views

bp = Blueprint("inbox", __name__, url_prefix="/console/inbox")
views.register(bp)
canned_views.register(bp)  # the composer's canned responses (JSON for js/canned.js)

__all__ = ["bp"]
