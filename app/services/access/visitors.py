"""Who a widget visitor token acts for: the one rule every widget entry point applies (chat
commands over Socket.IO, "Your requests" and surveys over HTTP, outreach answers).

A token speaks for an anonymous visitor id and, when the shop's server signed it (user_hash), for
a customer id too. It acts for:
- a verified customer: the profile with that customer id, and nothing filed under an email the
  browser claimed (emails are facts about a profile, never keys to one: customers/emails.py);
- an anonymous visitor: the profile its visitor id is linked to, while that profile is anonymous.
  Once the visitor has been identified (merged into a customer), the visitor id alone reaches
  nothing of theirs: that history needs the customer's proof.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AnonymousVisitor, Customer
from app.models.base import utcnow
from app.services.access.visitor_tokens import Visitor
from app.services.customers.batch_cache import BatchCache
from app.services.customers.profiles import resolve
from app.services.errors import PermissionDeniedError

ANONYMOUS_REQUESTS = ("Your requests are shown to signed-in customers only: sign in on the shop, then open the "
                      "chat again.")


class IdentityRequiredError(PermissionDeniedError):
    """An anonymous token whose visitor id belongs to an identified customer: acting for them
    needs the shop's proof (user_hash); the widget starts over as a new visitor."""

    code = "identity_required"


def owned_profile_query(customer_id=None, anonymous_id=None):
    """SELECT the id of the profile a token acts for, given its verified customer id, else its
    anonymous id. Values or bindparams (message_store caches a statement built with them)."""
    if customer_id is not None:
        return select(Customer.id).where(Customer.external_id == customer_id)
    return (select(Customer.id).join(AnonymousVisitor, AnonymousVisitor.customer_id == Customer.id)
            .where(AnonymousVisitor.anonymous_id == anonymous_id, Customer.external_id.is_(None)))


def owned_profile(visitor: Visitor):
    """The profile this visitor acts for, as a scalar subquery (never creates one)."""
    return owned_profile_query(visitor.customer_id, visitor.anonymous_id).scalar_subquery()


def owned_profile_id(visitor: Visitor) -> int | None:
    """The id of the profile this visitor acts for, if they have one."""
    return db.session.scalar(select(owned_profile(visitor)))


def verified_customer(visitor: Visitor) -> Customer | None:
    """The live profile of the customer a token was verified for (the shop's user_hash), or None
    when the helpdesk has none yet. PermissionDeniedError for an anonymous token, whatever
    profile its visitor id may have: tickets are shown to verified customers only."""
    if visitor.customer_id is None:
        raise PermissionDeniedError(ANONYMOUS_REQUESTS)
    return db.session.scalar(select(Customer).where(Customer.external_id == visitor.customer_id,
                                                    Customer.erased_at.is_(None)))


def profile_to_act_for(visitor: Visitor) -> Customer:
    """The profile a command that writes (start a chat, leave a message) acts for, found or
    created as an ingested event would (profiles.resolve; flushes). IdentityRequiredError when
    an anonymous token's visitor id has since been tied to a customer."""
    customer = resolve(visitor.customer_id, visitor.anonymous_id, utcnow(), BatchCache())
    if visitor.customer_id is None and customer.external_id is not None:
        db.session.rollback()
        raise IdentityRequiredError("This browser was signed in as a customer: reload the page to chat as them, "
                                    "or as a new visitor.")
    return customer
