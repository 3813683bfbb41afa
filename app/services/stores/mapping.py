"""What every store adapter shares when it turns a platform's payload into our events: amounts as
our events carry them, line items, and the key of a guest (an order without a customer account).

A guest is keyed by their email: `guest_customer_id(email)` is the customer id their events carry,
so every guest order for one address lands on one profile, and the profile is found with
`GET /api/v1/customers?email=E` (the shop's word verifies the address). The connection service
(connections.py) points a guest's events at the shop customer who owns that address, if any.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, validate

from app.services.platform.email_address import is_email

GUEST_PREFIX = "email:"
MAX_ID = 128
_EMAIL = validate.Email()  # the events schema's own check


def money(value) -> str | None:
    """A platform's amount ("199.00", 199, "-10.00" for a refund's total) as our events carry it:
    a non-negative string with two places, never a float. None when it is not an amount."""
    try:
        amount = abs(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return None
    return str(amount.quantize(Decimal("0.01"))) if amount.is_finite() and amount < 10**11 else None


def email(value) -> str | None:
    """An address the events schema accepts, normalised; None for anything else (a platform may
    hold a malformed one, which must not cost the customer's whole identity)."""
    address = str(value or "").strip().lower()
    if not address or len(address) > 254 or not is_email(address):
        return None
    try:
        return _EMAIL(address)
    except ValidationError:
        return None


def guest_customer_id(address: str) -> str:
    """The customer id for a guest's events: `email:` and the address (a digest of it when the
    address is too long for an id)."""
    key = GUEST_PREFIX + address.strip().lower()
    if len(key) <= MAX_ID:
        return key
    return GUEST_PREFIX + "sha256:" + hashlib.sha256(address.strip().lower().encode()).hexdigest()


def is_guest_id(customer_id: str | None) -> bool:
    return bool(customer_id) and customer_id.startswith(GUEST_PREFIX)


def line(sku, name, quantity, price, *fallbacks: tuple[str, object], line_id=None) -> dict:
    """A line item in our words. A line without a SKU is named by the first of `fallbacks`
    (kind, id) that has an id: ("variant", 808950811) gives "variant-808950811". `line_id`, the
    store's id for the line, is kept for refunds by line."""
    key = sku or next((f"{kind}-{ident}" for kind, ident in fallbacks if ident), "unknown")
    try:
        count = max(0, min(int(quantity or 0), 100_000))
    except (TypeError, ValueError):
        count = 0
    item = {"sku": str(key)[:128], "name": str(name or key)[:255], "quantity": count,
            "unit_price": money(price) or "0.00"}
    return item | ({"line_id": str(line_id)[:64]} if line_id else {})


def currency(*candidates) -> str:
    """The first of the candidates that is a currency code (three letters), uppercased; "XXX", ISO
    4217's "no currency", when none is, so that an order is never lost for want of one."""
    for value in candidates:
        if isinstance(value, str) and len(value.strip()) == 3 and value.strip().isalpha() and value.isascii():
            return value.strip().upper()
    return "XXX"


def number(value) -> dict:
    """{"order_number": …} for an order's number as the shop shows it ("#1001"), or {} when the
    payload has none a person could read."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        return {}
    return {"order_number": str(value).strip()[:64]}


def obj(value) -> dict:
    """A field that should hold an object: itself, or {} when a payload holds anything else."""
    return value if isinstance(value, dict) else {}


def objs(value) -> list[dict]:
    """A field that should hold a list of objects: its objects, whatever else a payload holds."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def name_of(person: Mapping) -> str | None:
    """First and last name joined, or None."""
    full = " ".join(str(part).strip() for part in (person.get("first_name"), person.get("last_name"))
                    if part and str(part).strip())
    return full[:200] or None
