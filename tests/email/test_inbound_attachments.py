"""Inbound email keeps attachments: real MIME messages posted raw to the inbound endpoint; the
files that pass the limits are kept on the message (on disk under the data directory), the others
are listed in an internal note the customer never sees; a second delivery stores nothing twice."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.extensions import db
from app.models import TicketAttachment, TicketMessage
from app.services.access import api_keys
from app.services.platform.audit import CLI
from app.services.platform.reply_tokens import reply_address
from app.services.tickets import my_requests
from tests.factories import make_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40


@pytest.fixture
def key(app):
    return {"Authorization": f"Bearer {api_keys.create_api_key('Mail server', by=CLI).secret}",
            "Content-Type": "message/rfc822"}


def email(text: str, *, to: str = "support@shop.test", sender: str = "ines@example.com",
          message_id: str = "<m1@mail.example.com>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Ines <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: Broken mug"
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    return message


def on_disk(app) -> list[str]:
    folder = Path(app.config["HELPDESK_DATA_DIR"]) / "attachments"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def post(client, key, message: EmailMessage):
    response = client.post("/api/v1/inbound/email", data=message.as_bytes(), headers=key)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_replys_attachments_are_kept(app, client, key):
    ticket = make_ticket()
    reply = email("Here are the photos and the receipt.", to=reply_address(ticket.id))
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="mug.png")
    reply.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="receipt.pdf")
    for _ in range(2):  # the mail server delivers it twice
        answer = post(client, key, reply)
    assert answer == {"ticket_id": ticket.id, "outcome": "duplicate"}
    message = db.session.scalar(db.select(TicketMessage).where(TicketMessage.channel == "email"))
    assert message.body == "Here are the photos and the receipt."
    rows = db.session.scalars(db.select(TicketAttachment).order_by(TicketAttachment.id)).all()
    assert [(r.filename, r.content_type, r.uploaded_by_type, r.message_id) for r in rows] == [
        ("mug.png", "image/png", "email", message.id), ("receipt.pdf", "application/pdf", "email", message.id)]
    assert on_disk(app) == sorted(r.storage_key for r in rows)  # stored once
    stored = Path(app.config["HELPDESK_DATA_DIR"]) / "attachments" / rows[1].storage_key
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == rows[1].sha256 == hashlib.sha256(PDF).hexdigest()
    # The customer sees them under their message in My requests.
    (entry,) = [m for m in my_requests.public_thread(ticket) if m.id == message.id]
    assert [a.filename for a in entry.attachments] == ["mug.png", "receipt.pdf"]


def test_refused_attachments_are_noted_and_the_message_kept(app, client, key):
    ticket = make_ticket()
    app.config["HELPDESK_ATTACHMENT_MAX_BYTES"] = 100
    reply = email("Photo and the tool.", to=reply_address(ticket.id), message_id="<m2@mail.example.com>")
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="too-big.png")
    reply.add_attachment(EXE, maintype="application", subtype="pdf", filename="invoice.pdf")
    reply.add_attachment(b"id,qty\n1,2\n", maintype="text", subtype="csv", filename="order.csv")
    assert post(client, key, reply) == {"ticket_id": ticket.id, "outcome": "replied"}
    (kept,) = db.session.scalars(db.select(TicketAttachment)).all()
    assert (kept.filename, kept.content_type) == ("order.csv", "text/csv")
    note = db.session.scalar(db.select(TicketMessage).where(TicketMessage.internal.is_(True)))
    assert note.author_type == "system" and note.ticket_id == ticket.id
    assert "“too-big.png” is larger than 100 bytes" in note.body and "“invoice.pdf” is a program" in note.body
    assert on_disk(app) == [kept.storage_key]
    assert all("invoice.pdf" not in m.body for m in my_requests.public_thread(ticket))


def test_a_new_ticket_by_email_keeps_its_attachments(app, client, key):
    message = email("My parcel never came; the tracking page is attached.", sender="omar@example.com",
                    message_id="<m3@mail.example.com>")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="tracking.pdf")
    forwarded = EmailMessage()
    forwarded["From"], forwarded["Subject"] = "shop@example.com", "Your order"
    forwarded.set_content("Shipped.")
    message.add_attachment(forwarded)  # an attached email (message/rfc822): not a type we keep
    answer = post(client, key, message)
    assert answer["outcome"] == "created"
    first = db.session.scalar(db.select(TicketMessage).where(TicketMessage.ticket_id == answer["ticket_id"])
                              .order_by(TicketMessage.id))
    (attachment,) = db.session.scalars(db.select(TicketAttachment)).all()
    assert (attachment.message_id, attachment.filename) == (first.id, "tracking.pdf")
    note = db.session.scalar(db.select(TicketMessage).where(TicketMessage.internal.is_(True)))
    assert ".eml file, which we do not accept" in note.body


def test_an_agent_downloads_an_emailed_file(app, client, key, make_agent, auth):
    ticket = make_ticket()
    reply = email("Receipt attached.", to=reply_address(ticket.id), message_id="<m4@mail.example.com>")
    reply.add_attachment(PDF, maintype="application", subtype="pdf", filename="receipt.pdf")
    post(client, key, reply)
    attachment = db.session.scalar(db.select(TicketAttachment))
    auth.login(make_agent().email)
    response = client.get(f"/console/tickets/{ticket.id}/attachments/{attachment.id}")
    assert response.data == PDF and response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
