"""Structured logs: one JSON object a line, with a request id and one access line per request."""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record logged while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
        return True


def _configure_root(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if app.config["HELPDESK_LOG_FORMAT"] == "json":
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s", timestamp=True)
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    # Replace only handlers we installed, so pytest's capture handlers stay in place.
    root.handlers = [h for h in root.handlers if not getattr(h, "_helpdesk", False)]
    handler._helpdesk = True
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """Configure logging and the per-request id and access log."""
    _configure_root(app)
    access = logging.getLogger("helpdesk.access")

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else secrets.token_hex(8)
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.get("request_started")
        if started is not None and request.path != "/healthz":
            access.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "remote_addr": request.remote_addr,
                },
            )
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response
