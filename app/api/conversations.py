"""GET /api/v1/customers/<customer_id>/conversations and /api/v1/conversations/<id>: the chats a
customer had, for the shop's back office (public messages only)."""

from __future__ import annotations

from app.api.auth import protect
from app.api.blueprint import Blueprint
from app.api.customers import MAX_ID_LENGTH
from app.api.schemas import ConversationDetailSchema, ConversationListSchema, ConversationQuerySchema
from app.services.conversations import history
from app.services.errors import NotFoundError

bp = Blueprint("api_conversations", __name__, url_prefix="/api/v1", description="Live chat conversations.")
protect(bp)


@bp.route("/customers/<string:customer_id>/conversations")
@bp.response(200, ConversationListSchema)
def list_customer_conversations(customer_id: str):
    """The customer's conversations, newest first (at most 100): status, channel, who has it."""
    if len(customer_id) > MAX_ID_LENGTH or "\x00" in customer_id:
        raise NotFoundError("No customer with this id.")
    return {"conversations": history.customer_conversations(customer_id)}


@bp.route("/conversations/<int:conversation_id>")
@bp.arguments(ConversationQuerySchema, location="query")
@bp.response(200, ConversationDetailSchema)
def get_conversation(query: dict, conversation_id: int):
    """One conversation and its public messages after `since_seq` (at most 500 at a time, in order;
    ask again from the last seq for more). Internal notes are never included."""
    return history.conversation_document(conversation_id, query["since_seq"])
