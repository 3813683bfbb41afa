"""Emails about tickets to their requesters, queued in the outbox in the change's transaction."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, Customer, OutboxEmail, Ticket, TicketMessage
from app.services.platform import outbox
from app.services.platform.outbox import EmailDraft


def _last_message_id(ticket_id: int) -> str | None:
    """The Message-ID of the latest email about this ticket: the next one threads under it."""
    return db.session.scalar(select(OutboxEmail.message_id).where(OutboxEmail.ticket_id == ticket_id)
                             .order_by(OutboxEmail.id.desc()).limit(1))


def agent_reply(ticket: Ticket, message: TicketMessage, agent: Agent) -> None:
    """An agent's public reply reaches the customer by email (not for notes, erased customers or
    profiles without an address). Once per message."""
    customer = db.session.get(Customer, ticket.requester_id)
    if message.internal or customer is None or customer.erased_at is not None or not customer.email:
        return
    base = current_app.config["HELPDESK_PUBLIC_URL"]
    shop = current_app.config["HELPDESK_SHOP_NAME"]
    outbox.queue_email(EmailDraft(
        kind="agent_reply", to=customer.email, subject=f"[#{ticket.id}] {ticket.subject}", ticket_id=ticket.id,
        in_reply_to=_last_message_id(ticket.id), dedupe_key=f"ticket-message-{message.id}",
        text=(f"{message.body}\n\n— {agent.display_name}, {shop}\n\n"
              f"Answer by replying to this email, or in your requests: {base}/help/requests/{ticket.id}\n")))
