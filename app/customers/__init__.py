"""Customers in the console: the list, the profile with its journey map, the sidebar panel, export and erase."""

from flask import Blueprint

from app.customers import views

bp = Blueprint("console_customers", __name__, url_prefix="/console/customers")
views.register(bp)

__all__ = ["bp"]
