"""GET /api/v1/customers/<customer_id>: the profile the helpdesk keeps of one of the shop's customers;
GET /api/v1/customers?email=E: the profiles an address is on (a guest's orders are keyed by email)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.auth import protect
from app.api.blueprint import Blueprint
from app.api.schemas import CustomerProfileSchema
from app.services.customers import queries
from app.services.errors import NotFoundError

MAX_ID_LENGTH = 128

bp = Blueprint("customers", __name__, url_prefix="/api/v1", description="Customer profiles.")
protect(bp)


class CustomerSearchArgsSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         metadata={"description": "The address, compared without case."})


class CustomerListSchema(Schema):
    results = fields.List(fields.Nested(CustomerProfileSchema), required=True)


@bp.route("/customers")
@bp.arguments(CustomerSearchArgsSchema, location="query")
@bp.response(200, CustomerListSchema)
# The HTTP server refuses a request line longer than 8,190 bytes before the API sees it: an
# address far past 254 characters gets this page rather than a JSON error.
@bp.alt_response(414, schema={"type": "string"}, content_type="text/html",
                 description="URI Too Long: the request line is longer than the server takes (8,190 bytes).")
def find_customers(args: dict):
    """The profiles with this email, whole as GET /customers/<id> gives them (at most 20): the
    profile the address is verified on first (a guest's orders from a store are keyed by their
    email), then profiles that only give it as a contact address."""
    return {"results": [queries.profile_document(queries.customer_context(c.id)) for c in
                        queries.by_email(args["email"])]}


@bp.route("/customers/<string:customer_id>")
@bp.response(200, CustomerProfileSchema)
def get_customer(customer_id: str):
    """The profile: stage and why, flags, segment, RFM, current cart, last 20 orders with items,
    lifetime value, order count, first and last seen, and the stage history."""
    if len(customer_id) > MAX_ID_LENGTH or "\x00" in customer_id:
        # No stored id looks like this (ingestion refuses them), and PostgreSQL cannot compare text with NUL.
        raise NotFoundError("No customer with this id.")
    context = queries.customer_context(queries.get_by_external_id(customer_id).id)
    return queries.profile_document(context)
