"""Small helpers to read what the server rendered."""

import re

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of a rendered page (meta tag or hidden input)."""
    match = CSRF_META.search(html)
    if match:
        return match.group(1)
    match = CSRF_INPUT.search(html)
    if match:
        return match.group(1) or match.group(2)
    raise AssertionError("no CSRF token on the page")
