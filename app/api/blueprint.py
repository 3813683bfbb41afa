"""The API's Blueprint: flask-smorest's, with a webargs parser that reads JSON bodies through the
app's one bounded parser (app.json_input) instead of webargs' own json.loads."""

from __future__ import annotations

import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from app.api.json_body import parse_json


class BoundedParser(FlaskParser):
    """webargs' Flask parser, but a JSON body is parsed by app.api.json_body.parse_json: nested
    too deep or malformed is a 400 and too large a 413, in the API's error format, never a 500."""

    def load_json(self, req, schema):
        """The body's JSON, or `missing` when the request is not JSON or has no body (as webargs)."""
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        if not raw:
            return core.missing
        return parse_json(raw)


class Blueprint(flask_smorest.Blueprint):
    """Every API blueprint is made from this class (a test checks), so `@bp.arguments` parses
    with BoundedParser. The parser is bound when a view is decorated, hence a class attribute."""

    ARGUMENTS_PARSER = BoundedParser()
