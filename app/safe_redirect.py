"""The one rule for redirecting to a target that came from outside (`?next=`, a stored landing path):
only a plain path on this site, otherwise a fallback the caller names."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_TARGET = 2048


def _plain_characters(target: str) -> bool:
    """True when the target holds no control character, no Unicode space and no backslash."""
    # Browsers drop tab, CR and LF inside a URL ("/\t/evil" becomes "//evil") and read "\" as "/";
    # werkzeug refuses a newline in a header (a 500 after sign-in). So none of them, nor any other
    # control character or Unicode space, is allowed anywhere.
    return not any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F or c.isspace() or c == "\\" for c in target)


def is_safe_path(target: str | None) -> bool:
    """True for a same-site path: one leading "/", no scheme, no host, no backslash, no control
    characters or spaces, and no encoded slash or backslash that would make it "//host" decoded.

    Callers: the console sign-in (`next=`), the help center's one-time link (stored landing path)."""
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET or not _plain_characters(target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return False
    decoded = unquote(parts.path)
    return not decoded.startswith("//") and "\\" not in decoded


def safe_target(target: str | None, fallback: str) -> str:
    """The target when is_safe_path accepts it, else the fallback (a URL the caller built)."""
    return target if is_safe_path(target) else fallback
