"""Validation of customer events (marshmallow). The same schemas document the API (OpenAPI)."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH = 500
MAX_FUTURE = timedelta(hours=24)
MAX_DEPTH = 32  # nesting of objects and arrays in one event; real properties need 3 or 4
_SURROGATE = re.compile("[\ud800-\udfff]")
ID = validate.Length(min=1, max=128)
TEXT = validate.Length(max=255)
MONEY = {"as_string": False, "places": 2, "validate": validate.Range(min=0, max=10**11)}


class _Props(Schema):
    """Properties of a known type: listed fields are typed; extra keys are kept as they are."""

    class Meta:
        unknown = INCLUDE


class LineItemSchema(Schema):
    class Meta:
        unknown = INCLUDE

    sku = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=TEXT)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100_000))
    unit_price = fields.Decimal(required=True, **MONEY)


class IdentifyProps(_Props):
    email = fields.Email(validate=validate.Length(max=254))
    name = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=50))
    traits = fields.Dict(keys=fields.String(validate=validate.Length(max=64)))


class PageViewedProps(_Props):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2048))
    title = fields.String(validate=TEXT)
    referrer = fields.String(validate=validate.Length(max=2048))
    utm_source = fields.String(validate=TEXT)
    utm_medium = fields.String(validate=TEXT)
    utm_campaign = fields.String(validate=TEXT)
    utm_term = fields.String(validate=TEXT)
    utm_content = fields.String(validate=TEXT)


class ProductViewedProps(_Props):
    sku = fields.String(required=True, validate=ID)
    name = fields.String(validate=TEXT)
    price = fields.Decimal(**MONEY)
    url = fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2048))


class CartProps(_Props):
    items = fields.List(fields.Nested(LineItemSchema), required=True, validate=validate.Length(max=500))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$", error="Use a 3-letter ISO code."))
    total = fields.Decimal(required=True, **MONEY)


class CheckoutStartedProps(_Props):
    items = fields.List(fields.Nested(LineItemSchema), validate=validate.Length(max=500))
    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error="Use a 3-letter ISO code."))
    total = fields.Decimal(**MONEY)


class OrderPlacedProps(CartProps):
    order_id = fields.String(required=True, validate=ID)
    order_number = fields.String(validate=validate.Length(max=64), metadata={
        "description": "What the shop and its customer call the order (\"#1001\"), shown to agents."})


class OrderRefundedProps(_Props):
    order_id = fields.String(required=True, validate=ID)
    amount = fields.Decimal(**MONEY, metadata={
        "description": "The amount this refund gave back (a partial refund; each refund event counts once). "
                       "Omitted: the whole order is refunded."})


class OrderCancelledProps(_Props):
    order_id = fields.String(required=True, validate=ID)


class ReviewProps(_Props):
    rating = fields.Integer(strict=True, validate=validate.Range(min=1, max=5))
    sku = fields.String(validate=ID)


class ReferralProps(_Props):
    referred_email = fields.Email()
    referred_customer_id = fields.String(validate=ID)


class NpsProps(_Props):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10))
    comment = fields.String(validate=validate.Length(max=2000))


PROPERTY_SCHEMAS: dict[str, type[Schema]] = {
    "identify": IdentifyProps,
    "page_viewed": PageViewedProps,
    "product_viewed": ProductViewedProps,
    "cart_updated": CartProps,
    "checkout_started": CheckoutStartedProps,
    "order_placed": OrderPlacedProps,
    "order_refunded": OrderRefundedProps,
    "order_cancelled": OrderCancelledProps,
    "signed_up": _Props,
    "subscribed": _Props,
    "unsubscribed": _Props,
    "review_submitted": ReviewProps,
    "referral_made": ReferralProps,
    "nps_submitted": NpsProps,
}


class EventSchema(Schema):
    """One customer event. `properties` is checked against the type's schema when the type is known;
    any other type is a custom event whose properties are kept as sent."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=ID, metadata={"description": "Unique per event: a retry is ignored."})
    type = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$", error="Use snake_case, at most 64 characters."),
        metadata={"description": f"One of {', '.join(PROPERTY_SCHEMAS)}, or any custom type."},
    )
    customer_id = fields.String(validate=ID, metadata={"description": "The shop's id for the customer."})
    anonymous_id = fields.String(validate=ID, metadata={"description": "A visitor id, before the customer is known."})
    timestamp = fields.AwareDateTime(required=True, default_timezone=UTC, metadata={"description": "ISO 8601."})
    properties = fields.Dict(keys=fields.String(validate=validate.Length(max=64)), load_default=dict)

    @validates_schema
    def _check(self, data, **_kwargs):
        if not data.get("customer_id") and not data.get("anonymous_id"):
            raise ValidationError("Give customer_id or anonymous_id.", "customer_id")
        when = data.get("timestamp")
        if when and when > datetime.now(UTC) + MAX_FUTURE:
            raise ValidationError("Must not be more than 24 hours in the future.", "timestamp")
        schema = _PROPERTY_LOADERS.get(data.get("type"))
        if schema is not None:
            try:
                data["properties"] = schema.load(data.get("properties") or {})
            except ValidationError as exc:
                raise ValidationError({"properties": exc.messages}) from None


class EventBatchSchema(Schema):
    """Up to 500 events in one request; each is validated and kept or rejected on its own."""

    batch = fields.List(fields.Nested(EventSchema), required=True, validate=validate.Length(min=1, max=MAX_BATCH))


_EVENT = EventSchema()
# One instance per type, made once: building a Schema copies its fields, which cost more than
# validating a typical event. Schemas hold no per-load state, so sharing them is safe.
_PROPERTY_LOADERS: dict[str, Schema] = {kind: schema() for kind, schema in PROPERTY_SCHEMAS.items()}


def _storable_problem(raw: dict) -> str | None:
    """Why a parsed event cannot be stored as it is, or None. Valid JSON may still hold what the
    databases refuse (NUL characters, lone surrogates, NaN or Infinity) or be nested absurdly deep;
    such input is rejected here so that it never reaches the database as a 500.
    Iterative: a deep document cannot exhaust the stack."""
    stack = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"Nested more than {MAX_DEPTH} levels deep."
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "Text must not contain NUL characters."
            if _SURROGATE.search(value):
                return "Text must be valid Unicode (no lone surrogates)."
        elif isinstance(value, float) and not math.isfinite(value):
            return "Numbers must be finite (no NaN or Infinity)."
    return None


def validate_event(raw) -> dict:
    """A loaded event, or ValidationError with messages by field."""
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": ["An event is a JSON object."]})
    problem = _storable_problem(raw)
    if problem:
        raise ValidationError({"_schema": [problem]})
    if len(json.dumps(raw, default=str)) > MAX_EVENT_BYTES:
        raise ValidationError({"_schema": [f"An event may be at most {MAX_EVENT_BYTES // 1024} KB."]})
    return _EVENT.load(raw)
