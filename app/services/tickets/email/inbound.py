"""Inbound email: a raw RFC 822 message (from a mail server's pipe or an inbound-email service)
becomes a customer's reply in its ticket, or a new ticket on channel email.

Threading: the signed reply address (support+t<id>.<sig>@…) in To, Cc, Delivered-To or
X-Original-To first, then In-Reply-To/References matching an email we sent about a ticket. The
answer goes into that ticket only when it comes from the ticket's requester; from anyone else it
starts a new ticket of their own (nobody writes into another customer's ticket by copying a header).
A message delivered twice (the same Message-ID) is stored once. Attachments that pass the limits
(app/services/tickets/attachments/types.py, HELPDESK_ATTACHMENT_*) are kept on the message; the others are
listed in an internal note on the ticket, with why.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, OutboxEmail, Ticket, TicketMessage
from app.models.ticket import MAX_BODY_CHARS, MAX_SUBJECT_CHARS
from app.services.errors import DomainError
from app.services.platform.audit import Actor
from app.services.platform.email_address import is_email
from app.services.platform.reply_tokens import ticket_from_address
from app.services.tickets import intake, updates
from app.services.tickets.attachments.store import Upload
from app.services.tickets.email.quotes import html_to_text, strip_quoted
from app.services.tickets.intake import Requester, TicketRequest
from app.text_input import clean_text

REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|antw|res|enc)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
TICKET_IN_SUBJECT = re.compile(r"^\s*\[#\d+\]\s*")
ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")


@dataclass(frozen=True)
class Received:
    ticket_id: int
    outcome: str  # "replied" (into an existing ticket), "created" (a new ticket), "duplicate"


def _parse(raw: bytes) -> EmailMessage:
    if not raw or not raw.strip():
        raise DomainError("Send the raw email (RFC 822) as the request body.", field="message")
    message = message_from_bytes(raw, policy=policy.default)
    if message.defects and not message.keys():
        raise DomainError("This is not an email message (RFC 822).", field="message")
    return message


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise DomainError("The email has no text to read.", field="message")
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    text = html_to_text(content) if part.get_content_type() == "text/html" else content
    reply = strip_quoted(clean_text(text))  # an email is input from outside like a form (text_input.py)
    if not reply:
        raise DomainError("The email has no text to read.", field="message")
    return reply[:MAX_BODY_CHARS]


def _leaves(part: EmailMessage) -> Iterator[EmailMessage]:
    """The parts that hold content, depth first; an attached email (message/rfc822) is one leaf."""
    if part.get_content_maintype() == "multipart":
        for sub in part.iter_parts():
            yield from _leaves(sub)
    else:
        yield part


def _attachments(message: EmailMessage) -> list[Upload]:
    """The email's files: every part but the text we read, that has a file name, is marked as an
    attachment or is not text (an inline image). Checking them is the attachment service's job."""
    body = message.get_body(preferencelist=("plain", "html"))
    uploads = []
    for part in _leaves(message):
        if part is body or not (part.get_filename() or part.get_content_disposition() == "attachment"
                                or part.get_content_maintype() != "text"):
            continue
        data = part.get_payload(decode=True)
        if data is None:  # an attached email: its bytes, refused later by type like any other
            data = part.as_bytes()
        name = part.get_filename() or f"attachment{mimetypes.guess_extension(part.get_content_type()) or ''}"
        uploads.append(Upload(name, io.BytesIO(data)))
    return uploads


def _message_key(message: EmailMessage, raw: bytes) -> str:
    """The delivery's identity: its Message-ID, or a hash of the bytes for a message without one."""
    message_id = (message.get("Message-ID") or "").strip().strip("<>")
    return "email:" + (message_id[:240] if message_id else hashlib.sha256(raw).hexdigest())


def _ids(header: str | None) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", header or "")


def _threaded_ticket(message: EmailMessage) -> int | None:
    for name in ADDRESS_HEADERS:
        for _label, address in getaddresses(message.get_all(name, [])):
            ticket_id = ticket_from_address(address)
            if ticket_id is not None:
                return ticket_id
    referenced = _ids(message.get("In-Reply-To")) + _ids(message.get("References"))
    if referenced:
        return db.session.scalar(select(OutboxEmail.ticket_id).where(OutboxEmail.message_id.in_(referenced),
                                                                     OutboxEmail.ticket_id.is_not(None))
                                 .order_by(OutboxEmail.id.desc()).limit(1))
    return None


def _subject(message: EmailMessage) -> str:
    subject = TICKET_IN_SUBJECT.sub("", REPLY_PREFIX.sub("", clean_text(str(message.get("Subject") or "")))).strip()
    return " ".join(subject.split())[:MAX_SUBJECT_CHARS] or "(no subject)"


def _requester_email(ticket_id: int) -> str | None:
    return db.session.scalar(select(Customer.email).join(Ticket, Ticket.requester_id == Customer.id)
                             .where(Ticket.id == ticket_id, Customer.erased_at.is_(None)))


def receive(raw: bytes) -> Received:
    """Called by POST /api/v1/inbound/email and `flask helpdesk inbound-email`: the email as a
    reply or a new ticket, with the attachments that pass the limits (the others in a note)."""
    message = _parse(raw)
    name, sender = parseaddr(clean_text(str(message.get("From") or "")))
    sender = sender.strip().lower()
    if not is_email(sender):
        raise DomainError("The email has no valid sender (From).", field="from")
    key = _message_key(message, raw)
    done = db.session.scalar(select(TicketMessage.ticket_id).where(TicketMessage.client_key == key).limit(1))
    if done is not None:
        return Received(done, "duplicate")
    body = _body(message)
    uploads = _attachments(message)
    by = Actor("customer", None, sender)
    ticket_id = _threaded_ticket(message)
    if ticket_id is not None and _requester_email(ticket_id) == sender:
        answered, _message = updates.reply_as_customer(ticket_id, body, channel="email", by=by, client_key=key,
                                                              uploads=uploads, partial=True)
        return Received(answered.id, "replied")
    ticket_key = hashlib.sha256(key.encode()).hexdigest()[:48]
    ticket = intake.create_ticket(TicketRequest(
        subject=_subject(message), body=body, channel="email", requester=Requester(email=sender, name=name or None),
        client_key=ticket_key), by=by, uploads=uploads, partial=True)
    first = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id).limit(1))
    if first is not None and first.client_key is None:
        first.client_key = key
        db.session.commit()
    return Received(ticket.id, "created")
