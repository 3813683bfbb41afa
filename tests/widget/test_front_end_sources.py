"""The front end's shared code and design tokens have one source each (docs/frontend.md): tokens.css
holds the tokens that app.css and widget.css use, and the visitor token, uuid and the composer's
search dropdown live in js/shared/, with /widget.js's uuid as the one documented copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
DECLARED = re.compile(r"(?<=[\s{;])(--[a-z0-9-]+)\s*:")  # a declaration, not ".button--danger:hover"


def tokens() -> set[str]:
    return set(DECLARED.findall((STATIC / "css" / "tokens.css").read_text()))


def test_the_stylesheets_declare_no_copy_of_a_token():
    assert {"--space-1", "--text-md", "--accent", "--focus", "--radius"} <= tokens()
    for sheet in ("app.css", "widget.css"):
        css = (STATIC / "css" / sheet).read_text()
        assert not tokens() & set(DECLARED.findall(css)), sheet


@pytest.mark.parametrize("path,sheet", [("/widget/chat", "widget.css"), ("/widget/nps", "widget.css"),
                                        ("/help/", "app.css"), ("/console/login", "app.css")])
def test_each_page_loads_the_tokens_before_its_stylesheet(client, path, sheet):
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert links == ["/static/css/tokens.css", f"/static/css/{sheet}"]


@pytest.mark.parametrize("asset", ["css/tokens.css", "js/shared/uuid.js", "js/shared/visitor_token.js",
                                   "js/shared/search_dropdown.js"])
def test_the_shared_files_are_served(client, asset):
    with client.get(f"/static/{asset}") as response:
        assert response.status_code == 200


@pytest.mark.parametrize("needle,homes", [
    ("function uuid(", {"shared/uuid.js", "widget.js"}),  # widget.js: the shop's one-file embed
    ("/api/v1/widget/session", {"shared/visitor_token.js"}),
    ('setAttribute("aria-activedescendant"', {"shared/search_dropdown.js", "help_center.js"}),  # help center's own
    ("setRangeText(", {"shared/search_dropdown.js"}),
])
def test_shared_code_is_written_once(needle, homes):
    found = {path.relative_to(STATIC / "js").as_posix() for path in (STATIC / "js").rglob("*.js")
             if needle in path.read_text()}
    assert found == homes
