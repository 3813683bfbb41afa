"""The console's inbox: conversation lists and the conversation page with its composer."""

from app.inbox.views import bp

__all__ = ["bp"]
