"""Request and response schemas for /api/v1 (marshmallow); they also generate the OpenAPI document."""

from marshmallow import Schema, fields, validate

from app.models.customer import STAGES


def _money(description: str | None = None, **kwargs) -> fields.Decimal:
    """Amounts are sent as decimal strings ("12.50"), never floats; the document says so."""
    metadata = {"type": "string", "format": "decimal"} | ({"description": description} if description else {})
    return fields.Decimal(as_string=True, metadata=metadata, **kwargs)


class ApiKeyInfoSchema(Schema):
    name = fields.String(required=True, metadata={"description": "The name an admin gave the key."})
    prefix = fields.String(required=True, metadata={"description": "The first characters of the key."})
    created_at = fields.DateTime(required=True)


class WhoAmISchema(Schema):
    key = fields.Nested(ApiKeyInfoSchema, required=True)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Machine-readable, e.g. `unauthorized`."})
    message = fields.String(required=True, metadata={"description": "What is wrong, in words."})
    field_errors = fields.Dict(data_key="fields", metadata={"description": "Messages by field, for validation errors."})


class ErrorSchema(Schema):
    """The body of every 4xx/5xx answer from the API (app/errors.py writes it)."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class RejectionSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "Position of the event in the request."})
    reason = fields.Dict(required=True, metadata={"description": "Messages by field."})


class IngestResultSchema(Schema):
    accepted = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectionSchema), required=True)


class LineItemOutSchema(Schema):
    sku = fields.String()
    name = fields.String()
    quantity = fields.Integer()
    unit_price = _money()


class CartOutSchema(Schema):
    items = fields.List(fields.Nested(LineItemOutSchema))
    item_count = fields.Integer()
    currency = fields.String(allow_none=True)
    total = _money()
    updated_at = fields.DateTime()


class OrderOutSchema(Schema):
    order_id = fields.String()
    order_number = fields.String(allow_none=True)
    placed_at = fields.DateTime()
    total = _money()
    currency = fields.String(allow_none=True)
    refunded_at = fields.DateTime(allow_none=True, metadata={"description": "When the whole order was refunded."})
    refunded_amount = _money("Refunded so far (partial refunds add up).")
    cancelled_at = fields.DateTime(allow_none=True)
    items = fields.List(fields.Nested(LineItemOutSchema))


class TransitionOutSchema(Schema):
    from_stage = fields.String(allow_none=True)
    to_stage = fields.String()
    occurred_at = fields.DateTime()
    reason = fields.String()
    event_id = fields.String(allow_none=True)


class RfmSchema(Schema):
    recency = fields.Integer()
    frequency = fields.Integer()
    monetary = fields.Integer()


class CustomerProfileSchema(Schema):
    customer_id = fields.String(required=True, allow_none=True, metadata={
        "description": "The shop's id; `email:<address>` for a store's guest; null for a profile made for an "
                       "email address alone (a request by email), found with ?email="})
    email = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    traits = fields.Dict()
    stage = fields.String(required=True, metadata={"enum": list(STAGES)})
    stage_reason = fields.String(required=True)
    flags = fields.List(fields.String(), required=True)
    segment = fields.String(required=True)
    rfm = fields.Nested(RfmSchema, required=True)
    cart = fields.Nested(CartOutSchema, allow_none=True)
    orders = fields.List(fields.Nested(OrderOutSchema), required=True)
    lifetime_value = _money(required=True)
    order_count = fields.Integer(required=True)
    first_seen_at = fields.DateTime(required=True)
    last_seen_at = fields.DateTime(required=True)
    lead_source = fields.Dict(allow_none=True)
    stage_history = fields.List(fields.Nested(TransitionOutSchema), required=True)


class WidgetSessionRequestSchema(Schema):
    anonymous_id = fields.String(required=True)
    customer_id = fields.String(load_default=None, allow_none=True)
    user_hash = fields.String(load_default=None, allow_none=True)


class WidgetSessionSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class ChatMessageOutSchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "Order in the conversation, 1, 2, 3…"})
    author_type = fields.String(required=True, metadata={"description": "`visitor` or `agent`."})
    author_name = fields.String(allow_none=True, metadata={"description": "The agent's name, for agents."})
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class ConversationOutSchema(Schema):
    id = fields.Integer(required=True)
    customer_id = fields.String(allow_none=True, metadata={"description": "The shop's id of the customer, if known."})
    status = fields.String(required=True, metadata={"description": "`open`, `pending` or `resolved`."})
    channel = fields.String(required=True, metadata={"description": "`chat`, `offline_message` or `proactive`."})
    assignee = fields.String(allow_none=True, metadata={"description": "The name of the agent who has it."})
    created_at = fields.DateTime(required=True)
    last_message_at = fields.DateTime(allow_none=True)
    message_count = fields.Integer(required=True, metadata={"description": "Public messages."})


class ConversationListSchema(Schema):
    conversations = fields.List(fields.Nested(ConversationOutSchema), required=True)


class ConversationDetailSchema(ConversationOutSchema):
    messages = fields.List(fields.Nested(ChatMessageOutSchema), required=True,
                           metadata={"description": "Public messages after `since_seq`, at most 500, in order."})


MAX_ID = 2**31 - 1  # the largest id or seq either database stores in these columns


class ConversationQuerySchema(Schema):
    since_seq = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


class TicketCreateSchema(Schema):
    """POST /api/v1/tickets: a request on the customer's behalf, from the shop's server."""

    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    customer_id = fields.String(load_default=None, validate=validate.Length(min=1, max=128),
                                metadata={"description": "The shop's id of the customer; or give `email`."})
    email = fields.Email(load_default=None, metadata={"description": "Who the ticket is for when there is no id."})
    name = fields.String(load_default=None, validate=validate.Length(max=200))
    priority = fields.String(load_default="normal", validate=validate.OneOf(("low", "normal", "high", "urgent")))
    type = fields.String(load_default="question", validate=validate.OneOf(("question", "incident", "problem", "task")))
    tags = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                       validate=validate.Length(max=20))
    client_key = fields.String(load_default=None, validate=validate.Length(min=1, max=64), metadata={
        "description": "Your id for this request: sending it again returns the ticket the first one made."})


class TicketOutSchema(Schema):
    id = fields.Integer(required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True)
    priority = fields.String(required=True)
    type = fields.String(required=True)
    channel = fields.String(required=True)
    customer_id = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    messages = fields.List(fields.Nested(ChatMessageOutSchema), required=True,
                           metadata={"description": "Public messages, oldest first (never internal notes)."})
