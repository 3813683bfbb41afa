"""Werkzeug compiles two URL-builder functions for every route of every app it binds (an AST built
and compiled per rule): with one app per test, that is half of each test's setup. A builder is a
pure function of the rule's parsed parts, its defaults and whether unknown arguments are appended
(the rule itself is passed in when it is called), so the tests compile each distinct one once.

Test-only: an app in production is created once per process."""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _cached_compile_builder(self: Rule, append_unknown: bool = True):
    try:
        key = (type(self), tuple(self._trace), tuple(sorted((self.defaults or {}).items())),
               tuple((name, type(c), repr({k: v for k, v in vars(c).items() if k != "map"}))
                     for name, c in sorted(self._converters.items())),
               append_unknown)
        hash(key)
    except TypeError:  # a default that cannot be a key: compile as werkzeug does
        return _original(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _cached_compile_builder
