"""Emails are facts about a customer, never keys to one, unless verified.

A profile's `email` is its contact address as last claimed by anyone: the shop's server, the
shop's pages (identify in the browser, signed only for the customer id), a pre-chat form. Agents
see it and replies are written to it, but it opens nothing.

A profile's `verified_email` is the address the helpdesk may find the profile by (a request by
email, the help center's sign-in) and send sign-in links to. Only these set it:
- the shop's server: an identify event from a trusted source (event_sources.speaks_for_shop), a
  ticket the shop's API opens for an address;
- a profile made for an address (a request by email or from the help center's form): what is filed
  there is reached only through one-time links sent to that address (customer_access.py).
So a shopper who claims someone else's address from the browser gets a contact address on their
own profile, and nothing filed under that address.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Customer
from app.models.base import utcnow
from app.services.customers import lifecycle
from app.services.errors import DomainError
from app.services.platform.email_address import is_email


def normalise(email: str) -> str:
    """Addresses are compared trimmed and lowercased."""
    return email.strip().lower()


def checked_address(email) -> str:
    """A person's address, normalised; DomainError naming `email` when it is not one."""
    email = normalise(email or "")
    if not is_email(email):
        raise DomainError("Enter a valid email address.", field="email")
    return email


def find_by_address(email: str) -> Customer | None:
    """The live profile an address belongs to (verified): a shop customer's first, then the
    oldest. Never a profile that only claimed the address."""
    return db.session.scalar(select(Customer).where(Customer.verified_email == normalise(email),
                                                    Customer.erased_at.is_(None))
                             .order_by(Customer.external_id.is_(None), Customer.id).limit(1))


def profile_for_address(email: str, name: str | None) -> Customer:
    """Called when a request arrives for an address (help-center form, inbound email, the shop's
    API): the profile the address belongs to, or a new one made for it. Asking for help is
    engagement (the acquisition stage), so a new profile is assessed at once. Flushes."""
    email = checked_address(email)
    customer = find_by_address(email)
    if customer is None:
        now = utcnow()
        customer = Customer(email=email, verified_email=email, name=(name or "").strip()[:200] or None,
                            first_seen_at=now, last_seen_at=now, engaged_at=now, traits={})
        db.session.add(customer)
        db.session.flush()
        lifecycle.reassess(customer, lifecycle.current_rules(), now=now)
    elif name and not customer.name:
        customer.name = name.strip()[:200]
    return customer


def sign_in_address(customer: Customer) -> str | None:
    """Where a link that signs this customer in may be sent: their verified address, or nowhere."""
    return customer.verified_email if customer.erased_at is None else None
