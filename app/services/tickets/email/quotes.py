"""The new part of an emailed reply: the quoted earlier message, the reply header above it and
the signature are cut off, in the forms common mail programs write them."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# A line where the quoted part starts (Gmail, Apple Mail, Thunderbird in several languages; Outlook).
QUOTE_HEADERS = [re.compile(p, re.IGNORECASE) for p in (
    r"^\s*On\b.{0,300}\bwrote:\s*$",                 # On Tue, 1 Dec 2026 at 10:00, Support <…> wrote:
    r"^\s*Em\b.{0,300}\bescreveu:\s*$",              # Portuguese
    r"^\s*Op\b.{0,300}\bschreef\b.{0,300}:\s*$",      # Dutch
    r"^\s*Am\b.{0,300}\bschrieb\b.{0,300}:\s*$",      # German
    r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$",             # French
    r"^\s*El\b.{0,300}\bescribió:\s*$",               # Spanish
    r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$",     # Outlook, older clients
    r"^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$",
    r"^\s*_{10,}\s*$",                                # Outlook's rule above From:/Sent:
)]
# Outlook's header block without a rule: From: followed by Sent:/Date:/To:/Subject: lines.
HEADER_BLOCK = re.compile(r"^\s*(From|De|Van|Von):\s.+$", re.IGNORECASE)
HEADER_LINE = re.compile(r"^\s*(Sent|Date|To|Subject|Enviado|Data|Para|Assunto|Verzonden|Aan|Onderwerp):\s",
                         re.IGNORECASE)
SIGNATURE = re.compile(r"^-- ?$")
MOBILE = re.compile(r"^\s*(Sent from my \w+|Enviado do meu \w+|Verzonden vanaf mijn \w+)", re.IGNORECASE)


def strip_quoted(text: str) -> str:
    """The reply's own text. When nothing is left (a top-quoted forward, say), the whole text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _quote_starts(lines, index):
            break
        if SIGNATURE.match(line) or MOBILE.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    reply = "\n".join(kept).strip()
    return reply or text.strip()


def _quote_starts(lines: list[str], index: int) -> bool:
    line = lines[index]
    if any(p.match(line) for p in QUOTE_HEADERS):
        return True
    following = lines[index + 1:index + 4]
    if HEADER_BLOCK.match(line) and any(HEADER_LINE.match(n) for n in following):
        return True
    # Gmail wraps a long "On …, Name <address> wrote:" over two lines.
    return bool(following) and line.strip().startswith(("On ", "Em ", "Op ", "Am ", "Le ", "El ")) and any(
        p.match(f"{line} {following[0]}") for p in QUOTE_HEADERS[:6])


class _Text(HTMLParser):
    """HTML to plain text: the words only; script and style dropped; blockquotes (the quote) too."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"}
    SKIP = {"script", "style", "head", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()
