"""Error answers: JSON for the API (and JSON clients), HTML pages elsewhere. Never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.services.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood.",
    401: "Sign in or send valid credentials.",
    403: "You do not have access to this.",
    404: "Nothing was found at this address.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    422: "Some fields are not valid.",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The service is temporarily unavailable.",
}


def wants_json() -> bool:
    """API paths, store webhooks, and clients that ask for JSON over HTML, get JSON errors."""
    if request.path.startswith(("/api/", "/webhooks/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _validation_fields(exc: HTTPException) -> dict | None:
    # webargs (through flask-smorest) attaches {"messages": {"json": {...}}} to its 422.
    # A body that is no JSON object at all gets a list there, not messages by field: it is
    # reported under "_schema", marshmallow's name for errors of the whole payload.
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if isinstance(messages, dict) and len(messages) == 1:
        messages = next(iter(messages.values()))
    if isinstance(messages, list):
        return {"_schema": messages}
    return messages


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """Build the error answer in the format the client expects."""
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "_")
    # Werkzeug's stock descriptions are long and generic; ours are short. A description set
    # by our own code (abort(401, description=...)) says more, so it wins.
    custom = exc.description and exc.description != type(exc).description and status != 429
    message = exc.description if custom else MESSAGES.get(status, exc.name)
    fields = _validation_fields(exc) if status in (400, 422) else None
    if fields:
        message = MESSAGES[422]
    response = error_response(status, code, message, fields)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response[0].headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def handle_csrf_error(exc: CSRFError):
    log.info("csrf rejected", extra={"path": request.path, "reason": exc.description})
    message = "The form expired or was not sent from this site. Reload the page and try again."
    return error_response(400, "csrf_failed", message)


def handle_domain_error(exc: DomainError):
    fields = {exc.field: [exc.message]} if exc.field else None
    return error_response(exc.status, exc.code, exc.message, fields)


def handle_unexpected(exc: Exception):
    # Roll back so a broken transaction does not leak into the next request on this session.
    db.session.rollback()
    log.exception("unhandled error", extra={"path": request.path})
    return error_response(500, "internal_error", MESSAGES[500])


def init_app(app: Flask) -> None:
    """Register the handlers; they replace flask-smorest's app-wide JSON handler."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
