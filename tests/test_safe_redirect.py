"""app.safe_redirect: which targets count as a plain same-site path (decoded values, as a view
reads them from request.args or from the database)."""

from __future__ import annotations

import pytest

from app.safe_redirect import is_safe_path, safe_target


@pytest.mark.parametrize("target", [
    None, "", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "/\r\n/x", "/\n/x", "/\x00/x", "/\x7f/x", "/\x85/x", "/\u00a0/evil.example", "/\u2028/x", "/\u3000/x",
    "https://evil.example", "http:/evil.example", "java\tscript:alert(1)", "javascript:alert(1)",
    "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "evil.example", " /console/",
    "/console/" + "x" * 3000, 42,
])
def test_anything_but_a_plain_path_is_refused(target):
    assert not is_safe_path(target)
    assert safe_target(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/console/", "/console/tickets?view=mine", "/help/requests/7#reply",
                                    "/console/tickets?q=a%20b", "/help/pt/artigos/caf%C3%A9"])
def test_a_plain_path_is_kept(target):
    assert is_safe_path(target)
    assert safe_target(target, "/home") == target
