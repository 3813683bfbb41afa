"""A Socket.IO namespace whose commands are each wrapped by a guard that re-checks the caller."""

from __future__ import annotations

from flask_socketio import Namespace


class GuardedNamespace(Namespace):
    """Subclasses implement `guard(handler) -> handler`. connect/disconnect are not guarded (they
    authenticate); every other event runs through the guard, inside the request context that
    Flask-SocketIO builds for the event (the cookie and environ are only readable there), which is
    why the wrapping happens here and not in trigger_event itself."""

    def trigger_event(self, event, *args):
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        handler = getattr(self, f"on_{event}", None)
        if handler is None:
            return None
        return self.socketio._handle_event(self.guard(handler), event, self.namespace, *args)

    def guard(self, handler):
        raise NotImplementedError
