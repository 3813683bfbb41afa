"""Request and response schemas for /api/v1 (marshmallow); they also generate the OpenAPI document."""

from marshmallow import Schema, fields


class ApiKeyInfoSchema(Schema):
    name = fields.String(required=True, metadata={"description": "The name an admin gave the key."})
    prefix = fields.String(required=True, metadata={"description": "The first characters of the key."})
    created_at = fields.DateTime(required=True)


class WhoAmISchema(Schema):
    key = fields.Nested(ApiKeyInfoSchema, required=True)


class ErrorSchema(Schema):
    """The body of every 4xx/5xx answer from the API."""

    error = fields.Dict(
        required=True,
        metadata={"description": "`code` (machine-readable), `message`, and for validation errors `fields`."},
    )
