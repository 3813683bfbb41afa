"""The one rule for text that comes in from outside: NUL and other control characters out, lone
surrogates made U+FFFD. Framework-free, so the request wiring, the JSON parser and the inbound
email parser can all apply the same rule before anything reads the text."""

from __future__ import annotations

REPLACEMENT = "\ufffd"
# C0 controls but tab, newline and carriage return, plus DEL: PostgreSQL refuses NUL in text, and
# none of them is text a person typed. A lone surrogate (JSON's "\ud800") cannot be encoded at all.
_KEPT = {"\t", "\n", "\r"}
_TABLE = {code: None for code in [*range(0x20), 0x7F] if chr(code) not in _KEPT}
_TABLE.update({code: REPLACEMENT for code in range(0xD800, 0xE000)})


def clean_text(value: str) -> str:
    """The text without NUL, C0 controls (tab, newline, CR kept) or DEL, lone surrogates replaced.

    Called at the input boundary: request_input (query strings, forms), json_input (every JSON
    string), and meant for the inbound email parser too."""
    if value.isascii() and value.isprintable():
        return value  # the common case: nothing to remove, no copy
    return value.translate(_TABLE)


def has_control_characters(value: str) -> bool:
    """True when the text holds a C0 control character (tab and newlines included) or DEL: what a
    URL path never needs (the request guard answers 404 to such a path)."""
    return any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)
