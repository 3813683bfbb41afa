"""Tests of the widget blueprint (/widget.js and the chat page it frames)."""
