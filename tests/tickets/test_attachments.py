"""Ticket attachments through the forms: an agent's reply with files and their downloads (headers
that keep a browser from running them), the customer's own files in My requests (404 for anyone
else's and for notes'), Submit a request with files, and refused files: a clear error, the typed
text kept, nothing saved, nothing left on disk."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest

from app.extensions import db
from app.models import OutboxEmail, Ticket, TicketAttachment, TicketMessage
from app.services.errors import DomainError
from app.services.platform.audit import CLI
from app.services.tickets import intake, updates
from app.services.tickets.attachments.store import Upload, clean_filename
from app.services.tickets.attachments.types import AttachmentError
from app.services.tickets.email import outgoing
from app.services.tickets.intake import Requester, TicketRequest
from tests.factories import make_ticket
from tests.support.html import csrf_from

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"
LINK = re.compile(r"http://[^/\s]+(/help/sign-in/[\w-]+)")


def office(folder: str = "word/", macros: bool = False) -> bytes:
    """A real (tiny) OOXML package: the ZIP directory is what the type check reads."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        package.writestr(f"{folder}document.xml", "<document/>")
        if macros:
            package.writestr(f"{folder}vbaProject.bin", b"\xd0\xcf\x11\xe0")
    return buffer.getvalue()


def stored_files(app) -> list[str]:
    """What is on disk under the data directory's attachments/ (temporary files included)."""
    from pathlib import Path

    folder = Path(app.config["HELPDESK_DATA_DIR"]) / "attachments"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def files(*pairs) -> list:
    """Form files as a browser sends them; the claimed type is a lie on purpose (we never read it)."""
    return [(io.BytesIO(data), name, "text/html") for name, data in pairs]


def agent_reply(client, ticket_id: int, body: str, attached: list, **extra):
    page = client.get(f"/console/tickets/{ticket_id}").get_data(as_text=True)
    return client.post(f"/console/tickets/{ticket_id}/reply", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page), "body": body, "status_after": "pending",
                             "attachments": attached, **extra})


def fetch(client, path: str):
    """GET a download and close it, as a WSGI server does once the file is sent."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def sign_in_customer(client, ticket: Ticket) -> None:
    """Follow the "we received your request" link, as the customer does."""
    email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.kind == "ticket_received",
                                                           OutboxEmail.ticket_id == ticket.id))
    path = LINK.search(email.text_body).group(1)
    page = client.get(path).get_data(as_text=True)
    assert client.post(path, data={"csrf_token": csrf_from(page)}).status_code == 302


def test_an_agent_attaches_files_and_downloads_them_safely(app, client, agent_in):
    ticket = make_ticket()
    response = agent_reply(client, ticket.id, "Here is the label and a photo.",
                           files(("label.pdf", PDF), ("../../etc/photo.png", PNG)))
    assert response.status_code == 302, response.get_data(as_text=True)
    pdf, png = db.session.scalars(db.select(TicketAttachment).order_by(TicketAttachment.id)).all()
    message = db.session.get(TicketMessage, pdf.message_id)
    assert message.body == "Here is the label and a photo." and png.message_id == message.id
    assert (pdf.filename, pdf.content_type, pdf.size) == ("label.pdf", "application/pdf", len(PDF))
    assert (png.filename, png.content_type, png.uploaded_by_type) == ("photo.png", "image/png", "agent")
    assert png.uploaded_by_agent_id == agent_in.id and pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored_files(app) == sorted([pdf.storage_key, png.storage_key])  # no temporary file left

    page = client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert "label.pdf" in page and f"/console/tickets/{ticket.id}/attachments/{pdf.id}" in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "Up to 5 files of 10 MB" in page

    download = fetch(client, f"/console/tickets/{ticket.id}/attachments/{pdf.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "label.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "no-store" in download.headers["Cache-Control"]
    image = fetch(client, f"/console/tickets/{ticket.id}/attachments/{png.id}")
    assert image.headers["Content-Type"] == "image/png" and image.headers["Content-Disposition"].startswith("inline")
    assert image.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    # Another ticket's path, an unknown id: the same 404.
    other = make_ticket(email="omar@example.com", subject="Late parcel")
    assert fetch(client, f"/console/tickets/{other.id}/attachments/{pdf.id}").status_code == 404
    assert fetch(client, f"/console/tickets/{ticket.id}/attachments/999").status_code == 404


def test_text_is_served_as_a_plain_download(app, client, agent_in):
    ticket = make_ticket()
    agent_reply(client, ticket.id, "The list", files(("orders.csv", b"id,total\n1,9.90\n")))
    attachment = db.session.scalar(db.select(TicketAttachment))
    download = fetch(client, f"/console/tickets/{ticket.id}/attachments/{attachment.id}")
    assert download.headers["Content-Type"].startswith("text/csv")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "html" not in download.headers["Content-Type"]


def test_downloads_need_a_signed_in_agent(app, client, make_agent):
    ticket = make_ticket()
    updates.reply_as_agent(ticket.id, "Label", agent=make_agent(), by=CLI,
                                  uploads=[Upload("label.pdf", io.BytesIO(PDF))])
    attachment = db.session.scalar(db.select(TicketAttachment))
    assert fetch(client, f"/console/tickets/{ticket.id}/attachments/{attachment.id}").status_code == 302


REFUSED = [
    pytest.param("page.html", HTML, "is a .html file, which we do not accept", id="html"),
    pytest.param("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a .svg file", id="svg"),
    pytest.param("script.js", b"alert(1)", "a .js file", id="js"),
    pytest.param("setup.exe", EXE, "a .exe file", id="exe"),
    pytest.param("invoice.pdf", EXE, "is a program, and programs cannot be attached", id="exe-renamed-pdf"),
    pytest.param("notes.txt", HTML, "its content is a web page", id="html-renamed-txt"),
    pytest.param("photo.png", PDF, "is not a PNG image: its content is a PDF document", id="mismatch"),
    pytest.param("report.docx", office("word/", macros=True), "contains macros", id="macros"),
    pytest.param("sheet.xlsx", office("word/"), "is not an Excel workbook", id="docx-renamed-xlsx"),
    pytest.param("README", b"hello", "has no file extension", id="no-extension"),
    pytest.param("empty.txt", b"", "is empty", id="empty"),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED)
def test_a_refused_file_refuses_the_reply_and_keeps_the_text(app, client, agent_in, name, data, message):
    ticket = make_ticket()
    response = agent_reply(client, ticket.id, "Please see the attached file.", files(("ok.pdf", PDF), (name, data)))
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 415)
    assert message in html.replace("&#39;", "'") and "Please see the attached file." in html
    assert 'id="attachments-error"' in html
    assert db.session.scalar(db.select(db.func.count(TicketMessage.id))) == 1  # the request only
    assert db.session.scalar(db.select(db.func.count(TicketAttachment.id))) == 0
    assert stored_files(app) == []  # the good file written first was deleted again


def test_limits_on_size_and_count(app, client, agent_in):
    ticket = make_ticket()
    app.config["HELPDESK_ATTACHMENT_MAX_BYTES"] = 1024
    big = agent_reply(client, ticket.id, "A big one", files(("scan.pdf", PDF + b"0" * 2000)))
    assert big.status_code == 413 and "“scan.pdf” is larger than 1 KB" in big.get_data(as_text=True)
    app.config["HELPDESK_ATTACHMENTS_PER_MESSAGE"] = 2
    many = agent_reply(client, ticket.id, "Many", files(*[(f"p{n}.pdf", PDF) for n in range(3)]))
    assert many.status_code == 400 and "Attach at most 2 files" in many.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(TicketAttachment.id))) == 0 and stored_files(app) == []


def test_a_request_larger_than_the_files_allow_gets_a_clear_413(app, client, agent_in):
    ticket = make_ticket()
    app.config.update(MAX_CONTENT_LENGTH=4096, HELPDESK_ATTACHMENT_MAX_BYTES=1024, HELPDESK_ATTACHMENTS_PER_MESSAGE=1)
    response = agent_reply(client, ticket.id, "Huge", files(("huge.pdf", PDF + b"0" * 20_000)))
    assert response.status_code == 413
    assert "attach at most 1 files of up to 1 KB each" in response.get_data(as_text=True)
    # Within the raised limit a reply with a file works, though it is larger than MAX_CONTENT_LENGTH alone.
    app.config.update(HELPDESK_ATTACHMENT_MAX_BYTES=8192)
    ok = agent_reply(client, ticket.id, "Fits", files(("fits.pdf", PDF + b"0" * 6000)))
    assert ok.status_code == 302


def test_nothing_stays_on_disk_when_the_transaction_fails(app, make_agent, monkeypatch):
    ticket = make_ticket()
    agent = make_agent()

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is gone")

    monkeypatch.setattr(outgoing, "agent_reply", broken)
    with pytest.raises(RuntimeError):
        updates.reply_as_agent(ticket.id, "Label", agent=agent, by=CLI,
                                      uploads=[Upload("label.pdf", io.BytesIO(PDF))])
    assert stored_files(app) == [] and db.session.scalar(db.select(db.func.count(TicketAttachment.id))) == 0
    updates.update_ticket(ticket.id, {"status": "closed"}, expected_version=1, by=CLI)
    with pytest.raises(DomainError):
        updates.reply_as_agent(ticket.id, "Too late", agent=agent, by=CLI,
                                      uploads=[Upload("label.pdf", io.BytesIO(PDF))])
    assert stored_files(app) == []


def test_the_customer_gets_their_own_public_files_only(app, client, make_agent):
    mine, theirs = make_ticket(), make_ticket(email="omar@example.com", subject="Late parcel")
    agent = make_agent(name="Bea")
    public = updates.reply_as_agent(mine.id, "Your label", agent=agent, by=CLI,
                                           uploads=[Upload("label.pdf", io.BytesIO(PDF))])
    updates.reply_as_agent(mine.id, "Courier's claim form", agent=agent, internal=True, by=CLI,
                                  uploads=[Upload("claim-internal.pdf", io.BytesIO(PDF))])
    updates.reply_as_agent(theirs.id, "Omar's label", agent=agent, by=CLI,
                                  uploads=[Upload("omar.pdf", io.BytesIO(PDF))])
    label, note_file, omars = db.session.scalars(db.select(TicketAttachment).order_by(TicketAttachment.id)).all()
    assert label.message_id == public.id
    anonymous = fetch(client, f"/help/requests/{mine.id}/attachments/{label.id}")
    assert anonymous.status_code == 302  # to the sign-in form
    sign_in_customer(client, mine)
    page = client.get(f"/help/requests/{mine.id}").get_data(as_text=True)
    assert "label.pdf" in page and "claim-internal.pdf" not in page and "omar.pdf" not in page
    download = fetch(client, f"/help/requests/{mine.id}/attachments/{label.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    for path in (f"/help/requests/{mine.id}/attachments/{note_file.id}",  # an internal note's file
                 f"/help/requests/{theirs.id}/attachments/{omars.id}",  # another customer's
                 f"/help/requests/{mine.id}/attachments/{omars.id}",  # theirs, through my ticket
                 f"/help/requests/{mine.id}/attachments/99999"):  # none at all
        assert fetch(client, path).status_code == 404, path


def test_the_customer_replies_with_a_file_and_a_refused_one_keeps_the_text(app, client, make_agent):
    ticket = make_ticket()
    updates.reply_as_agent(ticket.id, "Which one?", agent=make_agent(), by=CLI)
    sign_in_customer(client, ticket)
    page = client.get(f"/help/requests/{ticket.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and '<label class="field__label" for="attachments">' in page
    data = {"csrf_token": csrf_from(page), "client_key": "reply-1", "body": "This one, see the photo."}
    refused = client.post(f"/help/requests/{ticket.id}/reply", content_type="multipart/form-data",
                          data={**data, "attachments": files(("photo.pdf", EXE))})
    assert refused.status_code == 415
    assert "This one, see the photo." in refused.get_data(as_text=True) and "is a program" in refused.get_data(
        as_text=True)
    sent = client.post(f"/help/requests/{ticket.id}/reply", content_type="multipart/form-data",
                       data={**data, "attachments": files(("photo.png", PNG), ("order.docx", office()))})
    assert sent.status_code == 302
    rows = db.session.scalars(db.select(TicketAttachment).order_by(TicketAttachment.id)).all()
    assert [(r.filename, r.uploaded_by_type) for r in rows] == [("photo.png", "customer"), ("order.docx", "customer")]
    assert rows[1].content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert len(stored_files(app)) == 2
    again = client.post(f"/help/requests/{ticket.id}/reply", content_type="multipart/form-data",
                        data={**data, "attachments": files(("photo.png", PNG))})
    assert again.status_code == 302 and len(stored_files(app)) == 2  # a double submit keeps no second copy


def test_submit_a_request_with_files(app, client):
    page = client.get("/help/requests/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'multiple' in page
    data = {"csrf_token": csrf_from(page), "client_key": "form-1", "email": "ines@example.com",
            "subject": "Wrong size", "body": "I got an M instead of an L."}
    refused = client.post("/help/requests/new", content_type="multipart/form-data",
                          data={**data, "attachments": files(("receipt.html", HTML))})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 415 and "Wrong size" in html and "I got an M instead of an L." in html
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0
    sent = client.post("/help/requests/new", content_type="multipart/form-data",
                       data={**data, "attachments": files(("receipt.pdf", PDF), ("", b""))})  # one input left empty
    assert sent.status_code == 302
    ticket = db.session.scalar(db.select(Ticket))
    (attachment,) = db.session.scalars(db.select(TicketAttachment)).all()
    assert (attachment.ticket_id, attachment.uploaded_by_type, attachment.filename) == (ticket.id, "customer",
                                                                                       "receipt.pdf")


def test_file_names_are_cleaned_for_display():
    assert clean_filename("C:\\Users\\ines\\invoice.pdf") == "invoice.pdf"
    assert clean_filename("invoice\u202efdp.exe") == "invoicefdp.exe"  # no direction override
    assert clean_filename("...hidden .txt") == "hidden .txt"
    assert clean_filename("Rechnung März.pdf") == "Rechnung März.pdf"
    assert clean_filename("") == "attachment"
    long = clean_filename("a" * 300 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


def test_a_refusal_names_what_is_accepted(app):
    with pytest.raises(AttachmentError) as refused:
        intake.create_ticket(TicketRequest(subject="Hi", body="Hello", channel="help_center",
                                            requester=Requester(email="ines@example.com")), by=CLI,
                              uploads=[Upload("run.bat", io.BytesIO(b"echo hi"))])
    assert refused.value.field == "attachments"
    assert "images (PNG, JPEG, GIF, WebP), PDF, text and CSV" in refused.value.message


def test_erasing_the_customer_deletes_their_tickets_files(app, make_agent):
    from app.services import customer_privacy

    ticket, other = make_ticket(), make_ticket(email="omar@example.com", subject="Late parcel")
    agent = make_agent()
    updates.reply_as_customer(ticket.id, "My ID card", channel="web", by=CLI,
                                     uploads=[Upload("passport.png", io.BytesIO(PNG))])
    updates.reply_as_agent(ticket.id, "Your label", agent=agent, by=CLI,
                                  uploads=[Upload("label.pdf", io.BytesIO(PDF))])
    updates.reply_as_agent(other.id, "Omar's label", agent=agent, by=CLI,
                                  uploads=[Upload("omar.pdf", io.BytesIO(PDF))])
    kept = db.session.scalar(db.select(TicketAttachment).where(TicketAttachment.ticket_id == other.id))
    counts = customer_privacy.erase_customer(ticket.requester_id, by=CLI)
    assert counts["ticket_attachments"] == 2
    assert db.session.scalars(db.select(TicketAttachment.filename)).all() == ["omar.pdf"]
    assert stored_files(app) == [kept.storage_key]
