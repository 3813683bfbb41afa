"""Message text for HTML: everything escaped, and http(s) addresses made into plain links."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Stops at whitespace, quotes and angle brackets; trailing punctuation stays text ("see https://x.y.").
LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def linkify(text: str) -> Markup:
    """Escape text; wrap each http(s) address in <a rel="noopener noreferrer nofollow">. No other HTML."""
    parts, last = [], 0
    for match in LINK.finditer(text or ""):
        url = match.group(0)
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}</a>').format(url))
        last = match.end()
    parts.append(escape((text or "")[last:]))
    return Markup("").join(parts)
