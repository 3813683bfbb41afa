"""A visitor's side of a proactive message: opening it, and answering it, which starts the
conversation with the rule's message as its first and the rule named in it."""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models import Agent, Conversation, Message, OutreachDecision, OutreachRule
from app.models.base import utcnow
from app.services.conversations import assignment, message_store


def _shown_to(decision_id, customer_id: int | None):
    return (OutreachDecision.id == decision_id, OutreachDecision.customer_id == customer_id,
            OutreachDecision.outcome == "shown")


def opened(decision_id: int, customer_id: int | None) -> None:
    """Called by the widget when the visitor opens the chat showing the message: noted once (one
    commit). Another visitor's decision id changes nothing."""
    db.session.execute(update(OutreachDecision).where(*_shown_to(decision_id, customer_id),
                                                      OutreachDecision.opened_at.is_(None)).values(opened_at=utcnow()))
    db.session.commit()


def answered(decision_id: int, customer_id: int) -> OutreachDecision | None:
    """Inside start_conversation: the decision being answered, locked, if it was a widget message
    shown to this profile (None for anyone else's or a made-up id: their chat starts as usual)."""
    decision = db.session.scalar(select(OutreachDecision).where(*_shown_to(decision_id, customer_id))
                                 .with_for_update())
    if decision is None or decision.body is None:
        return None
    return decision


def open_with(decision: OutreachDecision, conversation: Conversation) -> Message | None:
    """The new conversation answers the decision: channel proactive, the rule's message first (from
    its agent, or the shop), the decision linked, and the sender assigned when online. Flushes;
    returns the assignment note to announce."""
    rule = db.session.get(OutreachRule, decision.rule_id)
    agent_id = (rule.action or {}).get("from_agent_id") if rule else None
    agent = db.session.get(Agent, agent_id) if agent_id else None
    agent = agent if agent is not None and agent.active else None
    conversation.channel = "proactive"
    message_store.add_in_transaction(conversation, decision.body, author_type="agent", internal=False,
                                     author_agent_id=agent.id if agent else None,
                                     client_msg_id=f"outreach-{decision.id}")
    decision.conversation_id, decision.replied_at = conversation.id, utcnow()
    decision.opened_at = decision.opened_at or decision.replied_at
    return assignment.assign_answered(conversation, agent)


def started_by(conversation_id: int) -> OutreachRule | None:
    """The rule whose message a conversation answers (the console names it), if any."""
    return db.session.scalar(select(OutreachRule).join(OutreachDecision, OutreachDecision.rule_id == OutreachRule.id)
                             .where(OutreachDecision.conversation_id == conversation_id).limit(1))
