"""What an outreach decision does inside its transaction: a follow-up ticket for a later check-in,
or an email through the outbox (sent if and only if the decision commits)."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.models import Customer, OutreachDecision, Ticket
from app.services.customers import placeholders
from app.services.platform.audit import Actor
from app.services.platform.outbox import EmailDraft
from app.services.platform.outbox import queue_email as queue_outbox_email
from app.services.tickets import intake
from app.services.tickets.intake import Requester, TicketRequest


def _subject(rule, customer: Customer) -> str:
    values = placeholders.values_for(customer=customer, cart=None, last_order=None, agent=None,
                                     shop_name=current_app.config["HELPDESK_SHOP_NAME"])
    return placeholders.render(rule.action["subject"], values).text


def open_ticket(rule, customer: Customer, decision_id: int, body: str) -> Ticket:
    """A ticket on the customer, created by the rule, for an agent to check in (flushes)."""
    ticket = intake.build_ticket(
        TicketRequest(subject=_subject(rule, customer), body=body, channel="api", tags=("outreach",),
                      requester=Requester(customer_id=customer.id), client_key=f"outreach-{decision_id}",
                      for_agents=True),
        by=Actor("rule", rule.id, f"Outreach rule “{rule.name}”"[:254]))
    db.session.get(OutreachDecision, decision_id).ticket_id = ticket.id
    return ticket


def queue_email(rule, customer: Customer, decision_id: int, body: str) -> None:
    """The rule's email to the customer, in the outbox (flushes)."""
    queue_outbox_email(EmailDraft(kind="outreach", to=customer.email, subject=_subject(rule, customer), text=body,
                                  dedupe_key=f"outreach-{decision_id}"))
