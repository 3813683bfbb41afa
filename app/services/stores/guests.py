"""A guest's events (keyed by their email, mapping.guest_customer_id) go to the profile their
address belongs to: a shop customer who owns it (a guest order from someone with an account), or
a profile made for the address (a request by email), which then takes the guest key. Otherwise
they make the guest's own profile; and when the guest later opens an account, the account takes
that profile (adopt_accounts). Used by webhooks and the backfill alike."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Customer
from app.services.customers import emails
from app.services.stores.mapping import GUEST_PREFIX, guest_customer_id, is_guest_id


def owned(events: list[dict]) -> list[dict]:
    """The events, with each guest key replaced by the owning profile's id where there is one.
    May commit (a profile made for the address taking the guest key)."""
    keys = {e["customer_id"] for e in events if is_guest_id(e.get("customer_id"))}
    owners = {}
    for key in keys:
        address = key.removeprefix(GUEST_PREFIX)
        if address.startswith("sha256:"):
            continue
        owner = emails.find_by_address(address)
        if owner is None:
            continue
        if owner.external_id is None:
            owner.external_id = guest_customer_id(address)
            try:
                db.session.commit()
            except IntegrityError:  # a concurrent delivery made the guest's profile first
                db.session.rollback()
                continue
        if owner.external_id != key:
            owners[key] = owner.external_id
    if not owners:
        return events
    return [e | {"customer_id": owners[e["customer_id"]]} if e.get("customer_id") in owners else e for e in events]


def adopt_accounts(events: list[dict]) -> None:
    """A guest who opens an account: the store's first word about customer C with address E, while
    the helpdesk knows E only as a guest (`email:E`) and has no profile for C yet, makes the guest's
    profile C's, orders and history included, instead of starting C afresh beside it. (When both
    profiles exist already they stay apart; merging two shop customers is left to an agent.)
    Commits when it adopts one."""
    for event in events:
        customer_id, address = event.get("customer_id"), (event.get("properties") or {}).get("email")
        if event.get("type") != "identify" or not customer_id or is_guest_id(customer_id) or not address:
            continue
        guest = guest_customer_id(address)
        known = db.session.scalars(db.select(Customer.external_id)
                                   .where(Customer.external_id.in_((customer_id, guest)))).all()
        if guest not in known or customer_id in known:
            continue
        db.session.execute(update(Customer).where(Customer.external_id == guest, Customer.erased_at.is_(None))
                           .values(external_id=customer_id).execution_options(synchronize_session=False))
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent delivery made C's profile first: both stay
            db.session.rollback()
