"""app.json_input: the one JSON parser for outside input refuses absurd nesting, size and numbers
with a ValueError subclass (never RecursionError), and normalises every key and string."""

from __future__ import annotations

import json

import pytest

from app.json_input import JSONDepthError, JSONInputError, JSONTooLargeError, SocketJSON, loads


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("raw", [nested(50_000), '{"a":' * 50_000 + "1" + "}" * 50_000, nested(33)])
def test_deep_documents_are_refused_with_a_value_error(raw):
    with pytest.raises(JSONDepthError) as caught:
        loads(raw)
    assert isinstance(caught.value, ValueError)


def test_the_depth_limit_is_exact_and_configurable():
    assert loads(nested(32)) == json.loads(nested(32))
    with pytest.raises(JSONDepthError):
        loads(nested(5), max_depth=4)
    assert loads('{"a": {"b": [1]}}', max_depth=3) == {"a": {"b": [1]}}


@pytest.mark.parametrize("raw", ["{", "", "[1,]", b"\xff\xfe{", "{'a': 1}", "1" * 101, "-" + "9" * 101])
def test_malformed_text_and_absurd_numbers_are_input_errors(raw):
    with pytest.raises(JSONInputError):
        loads(raw)


def test_size_is_limited():
    with pytest.raises(JSONTooLargeError):
        loads(b'"' + b"x" * 100 + b'"', max_bytes=50)
    assert loads(b'"ok"', max_bytes=50) == "ok"


def test_every_key_and_string_is_normalised():
    raw = '{"k\\u0000ey": ["a\\u0000b", {"bell\\u0007": "x\\ud800y"}], "n": 1, "t": "tab\\tkept"}'
    assert loads(raw) == {"key": ["ab", {"bell": "x\ufffdy"}], "n": 1, "t": "tab\tkept"}
    assert loads('"\\u0000"') == ""


def test_the_socket_json_module_dumps_and_loads_with_its_limits():
    module = SocketJSON(max_depth=3, max_bytes=100)
    assert module.loads(module.dumps(["a\x00", {"b": 1}], separators=(",", ":"))) == ["a", {"b": 1}]
    with pytest.raises(JSONDepthError):
        module.loads(nested(4))
    with pytest.raises(JSONTooLargeError):
        module.loads('"' + "x" * 200 + '"')
