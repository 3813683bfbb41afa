"""Live chat for the widget: the /chat Socket.IO namespace (events.py) and its payloads (schemas.py)."""
