"""The one JSON parser for input from outside (HTTP bodies, Flask's get_json, Socket.IO packets):
the standard library's parser, then limits on size, nesting and number length, and every string
(keys and values) normalised by text_input.clean_text. Framework-free."""

from __future__ import annotations

import json

from app.text_input import clean_text

DEFAULT_MAX_DEPTH = 32
MAX_INT_DIGITS = 100  # as Engine.IO's own parser: a longer integer is a denial of service, not data


class JSONInputError(ValueError):
    """The input is not JSON we accept: malformed, too deep, too large. A ValueError, so code that
    already expects json.loads' errors (Flask's get_json, Engine.IO) handles it as one."""


class JSONDepthError(JSONInputError):
    """Objects and arrays nested deeper than the limit."""


class JSONTooLargeError(JSONInputError):
    """More characters or bytes than the limit."""


def _bounded_int(digits: str) -> int:
    """json's parse_int hook: an integer, unless it has more digits than any real payload needs."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise JSONInputError(f"Integers may have at most {MAX_INT_DIGITS} digits.")
    return int(digits)


def loads(raw: str | bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int | None = None, **kwargs) -> object:
    """Parse JSON text or bytes, refusing what the limits forbid; strings come back normalised.

    Raises JSONInputError (a ValueError). Callers: app.api.json_body, the webargs parser of
    app.api.blueprint, the app's JSON provider (request_input) and SocketJSON (Socket.IO)."""
    if max_bytes is not None and len(raw) > max_bytes:
        raise JSONTooLargeError(f"The JSON document is larger than {max_bytes} bytes.")
    kwargs.setdefault("parse_int", _bounded_int)
    try:
        value = json.loads(raw, **kwargs)
    except RecursionError:  # the C scanner recurses: a deep enough document exhausts the stack
        raise JSONDepthError(f"Nested more than {max_depth} levels deep.") from None
    except JSONInputError:
        raise
    except ValueError as exc:  # malformed, wrong encoding, an over-long integer
        raise JSONInputError(str(exc)[:200]) from None
    return _checked(value, max_depth)


def _clean(value):
    """A str normalised by clean_text; anything else as it is."""
    # Exact type: a str subclass (Markup from Flask's tagged session) is trusted data, kept as it is.
    return clean_text(value) if type(value) is str else value


def _clean_children(node: dict | list) -> list:
    """Normalise the strings directly inside one object or array, in place; return its containers."""
    if isinstance(node, dict):
        pairs = [(_clean(key), _clean(item)) for key, item in node.items()]
        node.clear()
        node.update(pairs)
        children = node.values()
    else:
        node[:] = [_clean(item) for item in node]
        children = node
    return [child for child in children if isinstance(child, dict | list)]


def _checked(value: object, max_depth: int) -> object:
    """Walk the parsed document without recursion: refuse it past max_depth, normalise its strings."""
    if not isinstance(value, dict | list):
        return _clean(value)
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise JSONDepthError(f"Nested more than {max_depth} levels deep.")
        stack.extend((child, depth + 1) for child in _clean_children(node))
    return value


def limits(config) -> dict:
    """The HTTP limits from the app's config, as keyword arguments for loads()."""
    return {"max_depth": config.get("HELPDESK_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH),
            "max_bytes": config.get("MAX_CONTENT_LENGTH")}


class SocketJSON:
    """A json "module" for python-socketio and python-engineio (`json=`): the standard dumps, and
    the bounded loads with the socket's own limits. An instance, because packets are decoded
    before Flask-SocketIO pushes an app context, so the limits cannot be read from current_app."""

    def __init__(self, max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int | None = None) -> None:
        self.max_depth = max_depth
        self.max_bytes = max_bytes

    @staticmethod
    def dumps(obj, **kwargs) -> str:
        """The standard library's dumps (what Engine.IO used before)."""
        return json.dumps(obj, **kwargs)

    def loads(self, raw: str | bytes, **kwargs) -> object:
        """A packet's JSON, parsed with the limits; JSONInputError otherwise."""
        return loads(raw, max_depth=self.max_depth, max_bytes=self.max_bytes, **kwargs)
