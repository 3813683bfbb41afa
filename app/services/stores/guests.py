"""A guest's events (keyed by their email, mapping.guest_customer_id) go to the profile their
address belongs to: a shop customer who owns it (a guest order from someone with an account), or
a profile made for the address (a request by email), which then takes the guest key. Otherwise
they make the guest's own profile. Used by webhooks and the backfill alike."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.extensions import db
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
