"""Reading a JSON request body with clear 4xx answers: 415 not JSON, 400 malformed, 413 too large."""

from __future__ import annotations

import json

from flask import abort, request


def json_body():
    """The parsed body; aborts with the right status and a message when it cannot be read."""
    if not request.is_json:
        abort(415, description="Send the body as application/json.")
    raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # malformed, wrong encoding or absurdly nested
        abort(400, description=f"The body is not valid JSON: {str(exc)[:200]}")
