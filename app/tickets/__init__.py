"""The console's tickets: views (lists), a ticket's page, new tickets on a customer's behalf."""

from app.tickets import saved_view_routes  # noqa: F401  (its routes join the blueprint)
from app.tickets.views import bp

__all__ = ["bp"]
