"""Markdown to safe HTML, and to plain text for the index.

markdown-it-py renders CommonMark with raw HTML switched off (a `<script>` in an article shows as
text) and refuses `javascript:`-style links; nh3 (the Ammonia sanitiser) then allows only the tags,
attributes and URL schemes below, as a second wall should either ever let something through.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "img", "kbd", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|tr|blockquote|pre)>|<br\s*/?>", re.I)


def render(markdown_text: str) -> str:
    """Safe HTML for an article body. Headings start at h2 (the page's h1 is the title)."""
    rendered = _markdown.render(markdown_text or "")
    rendered = re.sub(r"<(/?)h1>", r"<\1h2>", rendered)
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def plain_text(safe_html: str) -> str:
    """The words of rendered HTML, one block per line: what is indexed and what snippets quote."""
    text = _BLOCK_END.sub("\n", safe_html)
    text = html.unescape(_TAG.sub(" ", text))
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def summary(text: str, limit: int = 160) -> str:
    """A page description: the first sentences of the plain text, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit - 1)
    return flat[:cut if cut > 0 else limit - 1] + "…"
