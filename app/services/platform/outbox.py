"""The outbox: services queue email here, inside their own transaction, so an email goes out if
and only if the change that caused it was committed. Delivery is the sender job's business."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEmail
from app.models.base import utcnow
from app.services.errors import DomainError
from app.services.platform.email_address import is_email


@dataclass(frozen=True)
class EmailDraft:
    kind: str
    to: str
    subject: str
    text: str
    ticket_id: int | None = None
    in_reply_to: str | None = None
    dedupe_key: str | None = None


def new_message_id() -> str:
    """A globally unique Message-ID (no angle brackets) on the helpdesk's mail domain."""
    return f"{secrets.token_hex(12)}@{current_app.config['HELPDESK_MAIL_DOMAIN']}"


def queue_email(draft: EmailDraft) -> OutboxEmail:
    """Add the email to the outbox in the caller's transaction (flushes, does not commit). The same
    dedupe_key queued twice gives the first row back."""
    if not is_email(draft.to):
        raise DomainError("Enter a valid email address.", field="to")
    if draft.dedupe_key is not None:
        existing = db.session.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == draft.dedupe_key))
        if existing is not None:
            return existing
    held = current_app.config["HELPDESK_EMAIL_DELIVERY"] == "outbox"
    now = utcnow()
    email = OutboxEmail(kind=draft.kind, dedupe_key=draft.dedupe_key, to_address=draft.to.strip().lower(),
                        subject=draft.subject.replace("\r", " ").replace("\n", " ")[:255], text_body=draft.text,
                        message_id=new_message_id(), in_reply_to=draft.in_reply_to, ticket_id=draft.ticket_id,
                        status="held" if held else "queued", attempts=0, next_attempt_at=now, created_at=now)
    db.session.add(email)
    db.session.flush()
    return email
