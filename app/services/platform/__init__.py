"""Platform: what every domain stands on and none owns. Real-time fan-out (realtime.py, the only
caller of socketio.emit), presence of sockets and visitors, the email outbox and its sender, reply
tokens, the audit log, the settings store, locked row reads and health checks.

May import: nothing in app.services but errors.
"""
