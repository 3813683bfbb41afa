"""Customers' way into "My requests": a one-time link sent to their email opens a help-center
session. Nothing here tells anyone whether an address is known."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app import jobs
from app.extensions import db
from app.models import Customer, CustomerLink, CustomerSession, Ticket
from app.models.base import utcnow
from app.services.access.tokens import hash_token, new_token
from app.services.customers import emails
from app.services.errors import DomainError
from app.services.platform import outbox
from app.services.platform.outbox import EmailDraft

SIGN_IN_MINUTES = 30
TICKET_LINK_DAYS = 7  # the link in "we received your request": longer, still once only
SESSION_DAYS = 30
REQUESTS_PATH = "/help/requests"


class LinkError(DomainError):
    """A link that was used already, expired or never existed."""

    status = 410


def _url(path: str) -> str:
    return current_app.config["HELPDESK_PUBLIC_URL"] + path


def new_link(customer: Customer, next_path: str, lifetime: timedelta) -> str:
    """A one-time sign-in address for the customer, landing on next_path (in the caller's transaction)."""
    if not next_path.startswith(REQUESTS_PATH):
        raise ValueError("links land on My requests only")
    raw, digest = new_token("hl_")
    now = utcnow()
    db.session.add(CustomerLink(customer_id=customer.id, token_hash=digest, next_path=next_path, created_at=now,
                                expires_at=now + lifetime))
    return _url(f"/help/sign-in/{raw}")


def request_sign_in(email: str) -> None:
    """Called by My requests' sign-in form: check the address, then leave the rest to a
    background job (send_sign_in_link), so that the answer takes as long, and says the same,
    whether or not the address belongs to anyone."""
    email = emails.checked_address(email)
    db.session.rollback()  # nothing to write here; the job runs in a session (and transaction) of its own
    jobs.enqueue("app.services.access.sign_in_links:send_sign_in_link", email=email)


def send_sign_in_link(email: str) -> None:
    """A job: email a sign-in link when the address belongs to a customer (verified:
    customers/emails.py); nothing when it does not. One commit."""
    customer = emails.find_by_address(email)  # a profile that only claimed the address: no link
    if customer is None:
        return
    link = new_link(customer, REQUESTS_PATH, timedelta(minutes=SIGN_IN_MINUTES))
    shop = current_app.config["HELPDESK_SHOP_NAME"]
    outbox.queue_email(EmailDraft(
        kind="sign_in_link", to=email, subject=f"Your link to {shop} Help",
        text=(f"Hello,\n\nFollow this link to see your requests at {shop} Help:\n\n{link}\n\n"
              f"It works once, for {SIGN_IN_MINUTES} minutes. If you did not ask for it, ignore this email.\n")))
    db.session.commit()


def acknowledge(ticket: Ticket, customer: Customer) -> None:
    """In a new ticket's transaction (customer channels): "we received your request", once per
    ticket. To a verified address it carries a link that signs the customer in on that request;
    to an address the customer only claimed (the shop's page, the chat's forms) it carries none,
    since whoever typed the address may not own it."""
    if customer.erased_at is not None or not (customer.verified_email or customer.email):
        return
    shop = current_app.config["HELPDESK_SHOP_NAME"]
    greeting = (f"Hello{' ' + customer.name if customer.name else ''},\n\nThank you for writing to {shop}. "
                f"Your request #{ticket.id} “{ticket.subject}” is with our team; we will answer by email.\n\n")
    address = emails.sign_in_address(customer)
    if address is not None:
        link = new_link(customer, f"{REQUESTS_PATH}/{ticket.id}", timedelta(days=TICKET_LINK_DAYS))
        greeting += (f"See your request and add to it here (the link works once, for {TICKET_LINK_DAYS} days):\n"
                     f"{link}\n\nLater, sign in at {_url(REQUESTS_PATH)} with this email address.\n")
    outbox.queue_email(EmailDraft(
        kind="ticket_received", to=address or customer.email,
        subject=f"[#{ticket.id}] We received your request: {ticket.subject}",
        ticket_id=ticket.id, dedupe_key=f"ticket-received-{ticket.id}", text=greeting))


def redeem(raw: str) -> tuple[str, str]:
    """Called when the customer confirms a link: use it (once), open a session. Returns (session
    token for the cookie, path to land on). LinkError for a used, expired or unknown link."""
    now = utcnow()
    link = db.session.scalar(select(CustomerLink).where(CustomerLink.token_hash == hash_token(raw or "")))
    if link is None or link.used_at is not None or link.expires_at <= now:
        db.session.rollback()
        raise LinkError("This link has been used already or has expired. Ask for a new one below.")
    # Two tabs confirming at once: only one UPDATE finds the link unused.
    claimed = db.session.execute(update(CustomerLink).where(CustomerLink.id == link.id, CustomerLink.used_at.is_(None))
                                 .values(used_at=now)).rowcount
    customer = db.session.get(Customer, link.customer_id)
    if not claimed or customer is None or customer.erased_at is not None:
        db.session.rollback()
        raise LinkError("This link has been used already or has expired. Ask for a new one below.")
    token, digest = new_token("hs_")
    db.session.add(CustomerSession(customer_id=customer.id, token_hash=digest, created_at=now,
                                   expires_at=now + timedelta(days=SESSION_DAYS)))
    next_path = link.next_path
    db.session.commit()
    return token, next_path


def customer_for_session(token: str | None) -> Customer | None:
    """The signed-in customer behind a help-center session token, or None."""
    if not token:
        return None
    row = db.session.scalar(select(CustomerSession).where(CustomerSession.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    customer = db.session.get(Customer, row.customer_id)
    return customer if customer is not None and customer.erased_at is None else None


def sign_out(token: str | None) -> None:
    if not token:
        return
    db.session.execute(update(CustomerSession).where(CustomerSession.token_hash == hash_token(token),
                                                     CustomerSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    db.session.commit()
