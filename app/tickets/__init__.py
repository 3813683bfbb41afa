"""The console's tickets: views (lists), a ticket's page, new tickets on a customer's behalf, saved
views, bulk updates and merges."""

from flask import Blueprint

from app.tickets import bulk_views, merge_views, saved_views, views

bp = Blueprint("tickets", __name__, url_prefix="/console/tickets")
views.register(bp)
saved_views.register(bp)
bulk_views.register(bp)
merge_views.register(bp)

__all__ = ["bp"]
