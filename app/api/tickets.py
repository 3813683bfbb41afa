"""POST /api/v1/tickets and GET /api/v1/tickets/<id>: tickets from and for the shop's server."""

from __future__ import annotations

from flask import g

from app.api.auth import protect
from app.api.blueprint import Blueprint
from app.api.schemas import MAX_ID, TicketCreateSchema, TicketOutSchema
from app.services.errors import NotFoundError
from app.services.platform.audit import Actor
from app.services.tickets import intake, lists
from app.services.tickets.intake import Requester, TicketRequest

bp = Blueprint("api_tickets", __name__, url_prefix="/api/v1", description="Tickets.")
protect(bp)

def _key() -> Actor:
    """The API key as the audit trail's actor."""
    return Actor("api_key", g.api_key.id, f"API key {g.api_key.name}")


@bp.route("/tickets", methods=["POST"])
@bp.arguments(TicketCreateSchema)
@bp.response(201, TicketOutSchema)
def create_ticket(body: dict):
    """Open a ticket for a customer (by the shop's `customer_id`, or `email`), channel `api`.
    Idempotent on `client_key`: a retry answers with the ticket the first request made."""
    ticket = intake.create_ticket(TicketRequest(
        subject=body["subject"], body=body["body"], channel="api", priority=body["priority"], type=body["type"],
        tags=tuple(body["tags"]), client_key=body["client_key"],
        requester=Requester(external_id=body["customer_id"], email=body["email"], name=body["name"])), by=_key())
    return lists.api_document(ticket.id)


@bp.route("/tickets/<int:ticket_id>")
@bp.response(200, TicketOutSchema)
def get_ticket(ticket_id: int):
    """A ticket with its public messages."""
    if not 0 < ticket_id <= MAX_ID:
        raise NotFoundError(intake.NOT_FOUND)
    return lists.api_document(ticket_id)
