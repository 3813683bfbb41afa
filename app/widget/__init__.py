"""The widget script that shops embed with a script tag."""

from app.widget.views import bp

__all__ = ["bp"]
