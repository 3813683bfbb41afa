"""The agents' inbox: conversation lists and the conversation view (reads), and status changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func

from app.extensions import db
from app.models import Agent, Conversation, Customer, Message, OutreachRule, Survey
from app.models.conversation import CONVERSATION_STATUSES
from app.services.conversations import assignment, outreach_answers, settings
from app.services.conversations.live_chat import MAX_RESUME, NOT_FOUND
from app.services.conversations.payloads import conversation_payload, visitor_conversation_payload
from app.services.customers.queries import CustomerContext, customer_context
from app.services.errors import DomainError, NotFoundError
from app.services.feedback import surveys
from app.services.platform import presence, realtime
from app.services.platform.audit import Actor

ASSIGNEE_FILTERS = ("mine", "unassigned", "all")
PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxFilter:
    """Which conversations a list shows: whose (`mine`, `unassigned`, `all`) and in which status."""

    assignee: str = "all"
    status: str | None = "open"


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox list."""

    conversation: Conversation
    customer: Customer
    last_message: Message | None
    assignee_name: str | None = None

    @property
    def activity_at(self):
        return self.conversation.last_message_at or self.conversation.created_at


@dataclass(frozen=True)
class ConversationView:
    """A conversation page: the conversation, its messages in seq order, authors' names, the customer."""

    conversation: Conversation
    messages: list[Message]
    agent_names: dict[int, str]
    context: CustomerContext
    team: list[presence.TeamMember]  # who it can be transferred to
    question_labels: dict[str, str]  # the pre-chat form's questions, by key
    outreach_rule: OutreachRule | None = None  # the rule whose message the visitor answered
    survey: Survey | None = None  # CSAT, once the chat was resolved



def list_conversations(chosen: InboxFilter, agent_id: int, *, limit: int = PAGE_SIZE) -> list[InboxRow]:
    """Called by the inbox list: conversations with their customer and last message, newest
    activity first, at most `limit` (no paging yet: the first slice shows the newest 50)."""
    activity = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    # The excerpt is the last message written by someone: a system note (who was assigned) is no
    # excerpt of the chat. Found newest first on the (conversation_id, seq) index.
    last_written = (db.select(Message.seq).where(Message.conversation_id == Conversation.id,
                                                 Message.author_type != "system")
                    .order_by(Message.seq.desc()).limit(1).correlate(Conversation).scalar_subquery())
    query = (
        db.select(Conversation, Customer, Message, Agent.display_name)
        .join(Customer, Customer.id == Conversation.customer_id)
        .outerjoin(Message, and_(Message.conversation_id == Conversation.id, Message.seq == last_written))
        .outerjoin(Agent, Agent.id == Conversation.assignee_id)
        .where(Customer.erased_at.is_(None))
    )
    if chosen.assignee == "mine":
        query = query.where(Conversation.assignee_id == agent_id)
    elif chosen.assignee == "unassigned":
        query = query.where(Conversation.assignee_id.is_(None))
    if chosen.status in CONVERSATION_STATUSES:
        query = query.where(Conversation.status == chosen.status)
    rows = db.session.execute(query.order_by(activity.desc(), Conversation.id.desc()).limit(limit))
    return [InboxRow(conversation=c, customer=cu, last_message=m, assignee_name=name) for c, cu, m, name in rows]


def conversation_view(conversation_id: int) -> ConversationView:
    """Called by the conversation page: its messages (internal notes included, the newest
    MAX_RESUME in seq order), the names of the agents who wrote them, and the customer panel."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(NOT_FOUND)
    newest = list(db.session.scalars(
        db.select(Message).where(Message.conversation_id == conversation.id)
        .order_by(Message.seq.desc()).limit(MAX_RESUME)
    ))
    author_ids = {m.author_agent_id for m in newest if m.author_agent_id is not None}
    names = {row.id: row.display_name for row in db.session.execute(
        db.select(Agent.id, Agent.display_name).where(Agent.id.in_(author_ids)))} if author_ids else {}
    return ConversationView(conversation=conversation, messages=newest[::-1], agent_names=names,
                            context=customer_context(conversation.customer_id), team=presence.team(),
                            question_labels={f.key: f.label for f in settings.current().prechat_fields},
                            outreach_rule=outreach_answers.started_by(conversation.id)
                            if conversation.channel == "proactive" else None,
                            survey=surveys.for_conversation(conversation.id))


def unread_conversations(agent_id: int) -> dict[int, int]:
    """Open conversations with messages agents have not read, that are this agent's or nobody's:
    {conversation_id: unread}, for the console's title badge."""
    rows = db.session.execute(
        db.select(Conversation.id, Conversation.unread_for_agents)
        .where(Conversation.status == "open", Conversation.unread_for_agents > 0,
               (Conversation.assignee_id == agent_id) | Conversation.assignee_id.is_(None)).limit(500))
    return dict(rows.all())


def set_status(conversation_id: int, status: str, *, by: Actor) -> Conversation:
    """Called by the conversation page's status buttons: set the status (one commit), then announce
    `conversation_updated` to the inbox and to the visitor's widget. A resolved chat asks the
    visitor for CSAT (surveys.ask_after_chat) and frees its agent's capacity, so waiting
    conversations may be handed over. Any agent may change any conversation's status."""
    if status not in CONVERSATION_STATUSES:
        raise DomainError(f"status must be one of {', '.join(CONVERSATION_STATUSES)}.", field="status")
    conversation = db.session.scalar(
        db.select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    if conversation is None:
        raise NotFoundError(NOT_FOUND)
    if conversation.status == status:
        db.session.rollback()
        return conversation
    conversation.status = status
    survey = surveys.ask_after_chat(conversation) if status == "resolved" else None
    db.session.commit()
    realtime.conversation_updated(conversation_payload(conversation))
    realtime.visitor_conversation_updated(visitor_conversation_payload(conversation))
    if survey is not None and survey.asked_via == "widget":
        realtime.survey_requested(surveys.payload(survey))
    if status == "resolved":
        assignment.assign_waiting()
    return conversation
