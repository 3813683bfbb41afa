"""What the helpdesk accepts as an email address (pre-chat forms, left messages, ticket requesters)."""

from __future__ import annotations

import re

# Deliberately loose: a local part, an @ and a domain with a dot. Real validation is a delivery.
PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def is_email(value) -> bool:
    """A string of at most 254 characters shaped like an address."""
    return isinstance(value, str) and len(value) <= 254 and PATTERN.match(value.strip()) is not None
