"""The console's inbox: conversation lists and the conversation page with its composer."""

from app.inbox import canned_views
from app.inbox.views import bp

# The composer's canned responses (JSON for js/canned.js) live in their own module.
canned_views.register(bp)

__all__ = ["bp"]
