"""Normalising what a request brings, once, before any view reads it: query-string, form and cookie
values (text_input.clean_text), JSON through the bounded parser (json_input) for request.get_json too, and
a URL path with control characters answered 404 before any view runs."""

from __future__ import annotations

from flask import Flask, Request, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from app import json_input
from app.text_input import clean_text, has_control_characters


def _clean(value):
    """A str normalised by clean_text; a file (FileStorage) keeps its bytes."""
    return clean_text(value) if isinstance(value, str) else value


class CleanMultiDict(ImmutableMultiDict):
    """werkzeug builds request.args and request.form (and files) from the request class's
    parameter_storage_class: this one normalises every str key and value as it is built."""

    def __init__(self, mapping=None) -> None:
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(_clean(key), _clean(value)) for key, value in pairs])


class CleanRequest(Request):
    """The app's request class: query strings, forms and cookies come normalised (a quoted cookie
    value may carry octal escapes such as \\000, which werkzeug decodes to NUL)."""

    parameter_storage_class = CleanMultiDict
    dict_storage_class = CleanMultiDict  # werkzeug builds request.cookies with it


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, loading through json_input: request.get_json (and any other
    flask.json.loads) gets the depth and size limits and normalised strings; a refusal is a
    ValueError, which get_json turns into a 400."""

    def loads(self, s: str | bytes, **kwargs):
        """Parse with the app's limits (kwargs such as the session's object_hook pass through)."""
        return json_input.loads(s, **json_input.limits(self._app.config), **kwargs)


def refuse_control_characters_in_path():
    """before_request: a path with NUL or another control character matches nothing real; 404 it
    before a view hands it to the database (PostgreSQL refuses NUL)."""
    if has_control_characters(request.path):
        abort(404)


def init_app(app: Flask) -> None:
    """Install the request class, the JSON provider and the path guard. Called first in create_app."""
    app.request_class = CleanRequest
    app.json = BoundedJSONProvider(app)
    app.before_request(refuse_control_characters_in_path)
