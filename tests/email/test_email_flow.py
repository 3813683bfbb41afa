"""Email end to end through a real SMTP server on loopback (aiosmtpd): the sender job delivers an
agent's reply with a signed reply address; the customer's real MIME reply, posted raw to the
inbound endpoint, lands in the ticket without the quote, once; retries and failures are kept."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from app.models import OutboxEmail, Ticket, TicketMessage
from app.services.access import api_keys
from app.services.platform import email_sender
from app.services.platform.audit import CLI
from app.services.platform.reply_tokens import reply_address, ticket_from_address
from app.services.tickets import updates
from tests.factories import make_ticket


class Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(HELPDESK_EMAIL_DELIVERY="smtp", HELPDESK_SMTP_HOST="127.0.0.1",
                      HELPDESK_SMTP_PORT=controller.port, HELPDESK_MAIL_FROM="support@shop.test")
    yield inbox
    controller.stop()


@pytest.fixture
def key(app):
    return {"Authorization": f"Bearer {api_keys.create_api_key('Mail server', by=CLI).secret}"}


def reply_to(received: EmailMessage, text: str, sender: str = "ines@example.com") -> bytes:
    """A customer's reply as Gmail writes it: new text, the quote header, the quote; plus an HTML part."""
    reply = EmailMessage()
    reply["From"] = f"Ines <{sender}>"
    reply["To"] = received["Reply-To"]
    reply["Subject"] = "Re: " + received["Subject"]
    reply["Message-ID"] = f"<reply-{abs(hash(text))}@mail.example.com>"
    reply["In-Reply-To"] = received["Message-ID"]
    quoted = "\n".join("> " + line for line in received.get_content().splitlines())
    reply.set_content(f"{text}\n\nOn Wed, 2 Dec 2026 at 10:00, Demo Shop <support@shop.test> wrote:\n{quoted}\n")
    reply.add_alternative(f"<p>{text}</p><blockquote>{received.get_content()}</blockquote>", subtype="html")
    return reply.as_bytes()


def test_an_agent_reply_goes_out_by_smtp_and_the_customers_answer_comes_back_into_the_ticket(
        client, smtp, key, make_agent):
    ticket = make_ticket()
    updates.reply_as_agent(ticket.id, "Sorry! Which colour was it?", agent=make_agent(name="Bea"), by=CLI)
    assert email_sender.deliver_outbox() == 2  # "we received your request", then the reply
    (_, received_note), (recipients, reply) = smtp.messages
    assert recipients == ["ines@example.com"] and reply["Subject"] == f"[#{ticket.id}] Broken mug"
    assert reply["In-Reply-To"] == received_note["Message-ID"]
    assert ticket_from_address(reply["Reply-To"]) == ticket.id
    assert "Which colour was it?" in reply.get_content()
    assert db.session.scalar(db.select(db.func.count()).where(OutboxEmail.status == "sent")) == 2
    assert email_sender.deliver_outbox() == 0  # nothing is sent twice

    raw = reply_to(reply, "Blue, the large one.")
    for _ in range(2):  # the mail server delivers it twice
        answer = client.post("/api/v1/inbound/email", data=raw, headers={**key, "Content-Type": "message/rfc822"})
        assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"ticket_id": ticket.id, "outcome": "duplicate"}
    bodies = list(db.session.scalars(db.select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id,
                                                                        TicketMessage.channel == "email")))
    assert bodies == ["Blue, the large one."]  # the quote and its header are cut
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "open"  # pending → open: the customer answered


def test_a_reply_from_someone_else_or_to_a_forged_address_opens_their_own_ticket(client, smtp, key):
    ticket = make_ticket()
    email_sender.deliver_outbox()
    (_, received), = smtp.messages
    stranger = client.post("/api/v1/inbound/email", data=reply_to(received, "Me too!", "omar@example.com"),
                           headers={**key, "Content-Type": "message/rfc822"})
    assert stranger.get_json()["outcome"] == "created" and stranger.get_json()["ticket_id"] != ticket.id
    forged = EmailMessage()
    forged["From"], forged["Subject"] = "ines@example.com", "Hello"
    forged["To"] = reply_address(ticket.id).replace(".", ".0", 1)
    forged.set_content("New question")
    answer = client.post("/api/v1/inbound/email", data=forged.as_bytes(), headers=key)
    assert answer.get_json()["outcome"] == "created"
    new = db.session.get(Ticket, answer.get_json()["ticket_id"])
    assert (new.channel, new.subject) == ("email", "Hello")


def test_bad_inbound_requests_get_clear_errors(client, key):
    assert client.post("/api/v1/inbound/email", data=b"", headers=key).status_code == 400
    no_sender = client.post("/api/v1/inbound/email", data=b"Subject: hi\n\nhello\n", headers=key)
    assert no_sender.status_code == 400 and "sender" in no_sender.get_json()["error"]["message"]
    assert client.post("/api/v1/inbound/email", data=b"From: a@example.com\n\nhi").status_code == 401
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_failures_are_retried_then_marked_failed(app, smtp):
    make_ticket()
    app.config["HELPDESK_SMTP_PORT"] = free_port()  # nobody listens there
    assert email_sender.deliver_outbox() == 0
    email = db.session.scalar(db.select(OutboxEmail))
    assert (email.status, email.attempts) == ("queued", 1) and "Connection" in email.last_error
    for _ in range(4):
        email.next_attempt_at = email.created_at
        db.session.commit()
        email_sender.deliver_outbox()
    assert (email.status, email.attempts) == ("failed", 5)


def test_held_mail_is_never_sent(app, smtp):
    app.config["HELPDESK_EMAIL_DELIVERY"] = "outbox"
    make_ticket()
    app.config["HELPDESK_EMAIL_DELIVERY"] = "smtp"
    assert email_sender.deliver_outbox() == 0 and smtp.messages == []
    assert db.session.scalar(db.select(OutboxEmail.status)) == "held"
