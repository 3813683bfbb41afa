"""Reply addresses for ticket emails: support+t<ticket id>.<signature>@domain. A customer's reply
to that address threads into the ticket; the signature (an HMAC with SECRET_KEY) makes the
address impossible to forge for another ticket."""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

TOKEN = re.compile(r"\+t(\d{1,10})\.([0-9a-f]{16})@", re.IGNORECASE)


def _signature(ticket_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"ticket-reply:{ticket_id}".encode(), hashlib.sha256).hexdigest()[:16]


def reply_address(ticket_id: int) -> str:
    local, _, domain = current_app.config["HELPDESK_MAIL_FROM"].partition("@")
    return f"{local}+t{ticket_id}.{_signature(ticket_id)}@{domain}"


def ticket_from_address(address: str) -> int | None:
    """The ticket a reply address belongs to, when its signature is right."""
    match = TOKEN.search(address or "")
    if match is None:
        return None
    ticket_id = int(match.group(1))
    return ticket_id if hmac.compare_digest(match.group(2).lower(), _signature(ticket_id)) else None
