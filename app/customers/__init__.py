"""Customers in the console: the list, the profile with its journey map, the sidebar panel, export and erase."""

from app.customers.views import bp

__all__ = ["bp"]
