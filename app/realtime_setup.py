"""Binds Flask-SocketIO: gevent or threading mode, Redis message queue when configured, origin allow-list."""

from __future__ import annotations

import logging

from flask import Flask

from app.extensions import socketio
from app.json_input import JSONInputError, SocketJSON
from app.services.access import revocation


def origin_allowed(app: Flask):
    """An Engine.IO origin check: the app's own origin, or a shop listed in allowed origins.

    Unlike Engine.IO's default it ignores X-Forwarded-* headers, which any client can send;
    behind a proxy, ProxyFix (HELPDESK_PROXY_HOPS) has already rewritten the environ.
    """
    shops = set(app.config["HELPDESK_ALLOWED_ORIGINS"])

    def check(origin: str | None, environ: dict) -> bool:
        if origin is None:
            return True  # not a browser, or a same-origin polling GET; the namespaces check identity
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own or origin in shops

    return check


def async_mode(app: Flask) -> str:
    """gevent inside a gevent-patched server (gunicorn's gevent worker), threading elsewhere (tests,
    the CLI, the RQ worker), unless HELPDESK_ASYNC_MODE names one."""
    chosen = app.config["HELPDESK_ASYNC_MODE"]
    if chosen != "auto":
        return chosen
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def init_app(app: Flask) -> None:
    """Initialise Socket.IO on the app with the settings from config."""
    # Flask-SocketIO keeps the Redis client manager of an earlier init_app even when this app has
    # no message queue: start from none (several apps in one process: tests, the bench scripts).
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=async_mode(app),
        message_queue=app.config.get("REDIS_URL"),
        channel=app.config["HELPDESK_SOCKETIO_CHANNEL"],
        cors_allowed_origins=origin_allowed(app),
        max_http_buffer_size=app.config["HELPDESK_SOCKET_MAX_BYTES"],
        # Packets are parsed by the app's bounded parser: too deep is refused (the packet is
        # dropped, the socket stays), and strings arrive normalised like HTTP input. No size limit
        # here: max_http_buffer_size bounds what arrives, and python-socketio sets this parser on its
        # Packet class for the whole process, so Socket.IO clients in it (tests, bench/) use it too
        # on the server's answers, which may be larger.
        json=SocketJSON(app.config["HELPDESK_JSON_MAX_DEPTH"]),
        manage_session=False,
        # Our own loggers: with logger=False the libraries attach a stderr handler of their own,
        # which prints every error twice and breaks the one-JSON-object-a-line log format.
        logger=_quiet_logger("helpdesk.socketio"),
        engineio_logger=_quiet_logger("helpdesk.engineio"),
    )


def _quiet_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)  # the libraries log every packet at INFO
    if not any(isinstance(f, RefusedPacketFilter) for f in logger.filters):
        logger.addFilter(RefusedPacketFilter())
    return logger


class RefusedPacketFilter(logging.Filter):
    """Engine.IO logs a handler's exception with its traceback ("message handler error"). A packet
    our JSON parser refused is the client's fault, not a server bug: log one warning line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite a record about a refused packet; let every other record through unchanged."""
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, JSONInputError):
            record.msg, record.args = "socket packet refused: %s", (str(exc)[:200],)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


# One heartbeat task per process, started with its first socket (nothing runs at import or in
# create_app): it refreshes this process's rows of open sockets (presence) and disconnects widget
# sockets whose token has expired and console sockets whose sign-in has ended (services/access/revocation.py).
_heartbeat_started = False


def ensure_heartbeat(app: Flask) -> None:
    """Start this process's heartbeat task if HELPDESK_HEARTBEAT_SECONDS is set and it is not running."""
    global _heartbeat_started
    seconds = app.config["HELPDESK_HEARTBEAT_SECONDS"]
    if not seconds or _heartbeat_started:
        return
    _heartbeat_started = True
    socketio.start_background_task(_beat, app, seconds)


def _beat(app: Flask, seconds: int) -> None:
    log = logging.getLogger("helpdesk.heartbeat")
    while True:
        socketio.sleep(seconds)
        try:
            with app.app_context():
                revocation.heartbeat()
        except Exception:  # the database may be away for a moment; the next beat tries again
            log.exception("heartbeat failed")
