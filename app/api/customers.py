"""GET /api/v1/customers/<customer_id>: the profile the helpdesk keeps of one of the shop's customers."""

from __future__ import annotations

from app.api.auth import protect
from app.api.blueprint import Blueprint
from app.api.schemas import CustomerProfileSchema
from app.services.customers import queries
from app.services.errors import NotFoundError

MAX_ID_LENGTH = 128

bp = Blueprint("customers", __name__, url_prefix="/api/v1", description="Customer profiles.")
protect(bp)


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
