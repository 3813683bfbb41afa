"""POST /api/v1/inbound/email: raw emails from the mail server (its pipe, or an inbound-email
service's webhook), threaded into tickets (app/services/tickets/email/inbound.py)."""

from __future__ import annotations

from flask import current_app, request
from marshmallow import Schema, fields

from app.api.auth import protect
from app.api.blueprint import Blueprint
from app.services.tickets.email import inbound

bp = Blueprint("api_inbound", __name__, url_prefix="/api/v1", description="Inbound email.")
protect(bp)


class InboundResultSchema(Schema):
    ticket_id = fields.Integer(required=True, metadata={"description": "The ticket the email went to."})
    outcome = fields.String(required=True, metadata={
        "description": "replied (a customer's answer in their ticket), created (a new ticket) or duplicate "
                       "(this Message-ID was received before: nothing changed)."})


RAW_EMAIL = {"required": True, "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}}}


@bp.route("/inbound/email", methods=["POST"])
@bp.doc(requestBody=RAW_EMAIL)
@bp.response(200, InboundResultSchema)
def receive_email():
    """Receive one raw RFC 822 email as the body. A reply to one of our emails (by its reply address
    or In-Reply-To) from the ticket's requester is added to that ticket, with the quoted text cut;
    anything else opens a ticket on channel email. Idempotent on the email's Message-ID."""
    request.max_content_length = current_app.config["HELPDESK_INBOUND_MAX_BYTES"]
    return inbound.receive(request.get_data(cache=False))
