"""A ticket's tags: what a tag may be and how many a ticket takes."""

from __future__ import annotations

import re

from app.services.errors import DomainError

TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_TAGS = 20


def normalise_tags(tags) -> tuple[str, ...]:
    """Lowercase, de-duplicated tags; DomainError for one that is not letters, digits, - and _."""
    cleaned = []
    for tag in tags or ():
        tag = str(tag).strip().lower().replace(" ", "-")
        if not tag:
            continue
        if not TAG.match(tag):
            raise DomainError(f"“{tag[:40]}” is not a tag: use letters, digits, - and _ (up to 40).", field="tags")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise DomainError(f"A ticket takes at most {MAX_TAGS} tags.", field="tags")
    return tuple(cleaned)
