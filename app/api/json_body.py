"""Reading a JSON request body with clear 4xx answers: 415 not JSON, 400 malformed or nested too
deep, 413 too large. Every API body goes through parse_json (json_body here, the webargs parser of
app.api.blueprint), which uses the app's one JSON parser, app.json_input."""

from __future__ import annotations

from flask import abort, current_app, request

from app import json_input


def parse_json(raw: bytes | str):
    """The parsed document (strings normalised), or an abort: 413 past the size limit, 400 for
    anything else the parser refuses (malformed, wrong encoding, nested too deep)."""
    try:
        return json_input.loads(raw, **json_input.limits(current_app.config))
    except json_input.JSONTooLargeError:
        abort(413)
    except json_input.JSONInputError as exc:
        abort(400, description=f"The body is not valid JSON: {str(exc)[:200]}")


def json_body():
    """The parsed body; aborts with the right status and a message when it cannot be read."""
    if not request.is_json:
        abort(415, description="Send the body as application/json.")
    return parse_json(request.get_data(cache=False))  # get_data raises 413 past MAX_CONTENT_LENGTH
