"""Customers in the console: the list, the profile with its journey map, the sidebar panel, export
and erase, and actions on a connected store's orders."""

from flask import Blueprint

from app.customers import order_actions, views

bp = Blueprint("console_customers", __name__, url_prefix="/console/customers")
views.register(bp)
order_actions.register(bp)

__all__ = ["bp"]
