"""The console's tickets: views (lists), a ticket's page, new tickets on a customer's behalf, bulk
updates and merges."""

from app.tickets import bulk_views, merge_views, saved_views  # noqa: F401  (saved views' routes join the blueprint)
from app.tickets.views import bp

# The list's bulk update and a ticket's merge live in their own modules; their routes join this
# blueprint here, explicitly.
bulk_views.register(bp)
merge_views.register(bp)

__all__ = ["bp"]
