"""Canned responses in a chat's composer: the picker's suggestions and the response an agent
picks, each filled in for the conversation's customer and the agent writing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.extensions import db
from app.models import Agent, CannedResponse, Conversation
from app.services.conversations.live_chat import NOT_FOUND as NO_CONVERSATION
from app.services.customers import placeholders
from app.services.customers.placeholders import Rendered
from app.services.customers.queries import customer_context
from app.services.errors import NotFoundError
from app.services.knowledge import canned_responses as canned

PREVIEW_CHARS = 140


@dataclass(frozen=True)
class Suggestion:
    """One line of the composer's picker: the response and its text filled for the conversation."""

    response: CannedResponse
    preview: str


def conversation_context(conversation_id: int, agent: Agent) -> dict[str, str | None]:
    """The placeholder values for this conversation's customer, written by `agent`."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(NO_CONVERSATION)
    context = customer_context(conversation.customer_id, order_limit=1)  # NotFoundError once erased
    return placeholders.values_for(customer=context.customer, cart=context.cart,
                                   last_order=context.orders[0] if context.orders else None, agent=agent,
                                   shop_name=current_app.config["HELPDESK_SHOP_NAME"])


def suggestions(conversation_id: int, agent: Agent, query: str = "") -> list[Suggestion]:
    """Called by the composer's picker: the matching responses, each previewed as it would read."""
    context = conversation_context(conversation_id, agent)
    found = canned.usable_responses(agent, query)
    return [Suggestion(r, _preview(canned.render(r, context).text)) for r in found]


def _preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW_CHARS else line[:PREVIEW_CHARS - 1].rstrip() + "…"


def render_for_conversation(response_id: int, conversation_id: int, agent: Agent) -> tuple[CannedResponse, Rendered]:
    """Called when the agent picks a response: its text for this conversation's customer and this agent."""
    response = canned.get_usable(response_id, agent)
    return response, canned.render(response, conversation_context(conversation_id, agent))
