"""Events from the shop's pages (/widget.js): who the visitor is (checked with user_hash), which event
types a browser may send, then the same ingestion as the server API."""

from __future__ import annotations

import logging

from marshmallow import RAISE, Schema, fields, validate

from app.services.access import widget_identity
from app.services.errors import DomainError
from app.services.shop_events.ingestion import IngestResult, Rejection, ingest_events
from app.services.shop_events.schemas import ID, PROPERTY_SCHEMAS

log = logging.getLogger(__name__)

MAX_BROWSER_EVENTS = 50
# What a page may report about its own visitor. Orders need a verified identity, so that a browser
# cannot invent purchases for someone else; refunds, reviews, NPS and the like come from the server.
BROWSER_TYPES = frozenset(
    {"identify", "page_viewed", "product_viewed", "cart_updated", "checkout_started", "signed_up"}
)
VERIFIED_TYPES = frozenset({"order_placed"})
SERVER_TYPES = frozenset(PROPERTY_SCHEMAS) - BROWSER_TYPES - VERIFIED_TYPES
# Browser event ids live in their own namespace: a page cannot take an id the shop's server will use
# and so make the server's event look like a repeat.
ID_PREFIX = "web:"


class IdentityNotVerifiedError(DomainError):
    """A customer_id without a user_hash that proves it: the request is refused, nothing stored."""

    code = "identity_not_verified"
    status = 403


class BrowserEventSchema(Schema):
    """One event from a page. Who it is about comes from the request, never from the event."""

    class Meta:
        unknown = RAISE

    id = fields.String(
        required=True, validate=validate.Length(min=1, max=100),
        metadata={"description": "Unique per event (the widget uses a random UUID): a retry is ignored."},
    )
    type = fields.String(
        required=True,
        metadata={"description": f"One of {', '.join(sorted(BROWSER_TYPES))}; order_placed for a verified "
                                 "customer only; or any custom snake_case type."},
    )
    timestamp = fields.String(required=True, metadata={"format": "date-time", "description": "ISO 8601."})
    properties = fields.Dict(keys=fields.String(), metadata={"description": "As for the same type in /api/v1/events."})


class BrowserEventsSchema(Schema):
    """A batch from one page: the visitor, optionally who they are (with proof), and the events."""

    class Meta:
        unknown = RAISE

    anonymous_id = fields.String(
        required=True, validate=ID, metadata={"description": "The visitor id the widget keeps on the shop's origin."},
    )
    customer_id = fields.String(validate=ID, metadata={"description": "The shop's id for the signed-in customer."})
    user_hash = fields.String(
        validate=validate.Length(max=128),
        metadata={"description": "HMAC-SHA256 of customer_id with the identity secret, hex; computed on the "
                                 "shop's server. Required with customer_id."},
    )
    events = fields.List(
        fields.Nested(BrowserEventSchema), required=True, validate=validate.Length(min=1, max=MAX_BROWSER_EVENTS),
    )


def _verified_customer(envelope: dict) -> str | None:
    """The customer id when user_hash proves it, None for an anonymous visitor; raises otherwise."""
    customer_id, user_hash = envelope.get("customer_id"), envelope.get("user_hash")
    if customer_id is None:
        if user_hash is not None:
            raise DomainError("user_hash was sent without customer_id.", field="customer_id")
        return None
    if not user_hash:
        reason = "customer_id needs user_hash, computed on the shop's server"
    elif not widget_identity.is_well_formed(user_hash):
        reason = "user_hash must be 64 lowercase hexadecimal characters (an HMAC-SHA256 hex digest)"
    elif not widget_identity.verify(customer_id, user_hash):
        reason = "user_hash does not match customer_id for the current identity secret"
    else:
        return customer_id
    log.info("browser identity refused", extra={"reason": reason})
    raise IdentityNotVerifiedError(f"{reason}; see docs/integration.md. Nothing was stored.", field="user_hash")


def _refusal(kind: str, verified: bool) -> str | None:
    if kind in SERVER_TYPES:
        return f"{kind} cannot be sent from the browser; send it from your server to /api/v1/events."
    if kind in VERIFIED_TYPES and not verified:
        return (f"{kind} is accepted from the browser only for a verified customer (customer_id with a valid "
                "user_hash); send it from your server to /api/v1/events.")
    return None


def record_browser_events(envelope: dict) -> IngestResult:
    """POST /api/v1/widget/events, with a body loaded by BrowserEventsSchema: check the visitor's
    identity and the event types, then ingest.

    With a valid user_hash every event carries customer_id and anonymous_id, so the visitor's
    anonymous profile merges into the customer; with a customer_id but no valid hash the whole
    request is refused (IdentityNotVerifiedError) and nothing is stored. Event types a browser may
    not send are rejected one by one, like invalid events. Emits what ingest_events emits.
    """
    customer_id = _verified_customer(envelope)
    who = {"anonymous_id": envelope["anonymous_id"]} | ({"customer_id": customer_id} if customer_id else {})
    refused, passed, positions = [], [], []
    for index, event in enumerate(envelope["events"]):
        reason = _refusal(event["type"], customer_id is not None)
        if reason:
            refused.append(Rejection(index, {"type": [reason]}))
            continue
        passed.append({**event, "id": ID_PREFIX + event["id"], **who})
        positions.append(index)
    result = ingest_events(passed, source="browser") if passed else IngestResult(0, 0, ())
    rejected = refused + [Rejection(positions[r.index], r.reason) for r in result.rejected]
    return IngestResult(
        accepted=result.accepted, duplicates=result.duplicates,
        rejected=tuple(sorted(rejected, key=lambda r: r.index)), customer_ids=result.customer_ids,
    )
