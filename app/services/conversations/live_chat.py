"""Live chat: conversations and their messages (stored and committed, then announced)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Agent, Conversation, Customer, Message
from app.models.base import utcnow
from app.models.conversation import MAX_BODY_CHARS
from app.services.access import visitors
from app.services.access.visitor_tokens import Visitor, check_id
from app.services.conversations import assignment, message_store, outreach_answers
from app.services.conversations import settings as chat_settings
from app.services.conversations.message_store import ChatMessage
from app.services.conversations.payloads import (
    activity_payload,
    conversation_payload,
    message_payload,
    visitor_conversation_payload,
)
from app.services.customers import lifecycle
from app.services.customers.batch_cache import BatchCache
from app.services.customers.profiles import resolve
from app.services.errors import DomainError, NotFoundError, TooLongError
from app.services.knowledge import search
from app.services.platform import realtime
from app.services.platform.audit import Actor
from app.services.platform.email_address import is_email
from app.services.platform.locked_rows import get_row
from app.services.tickets import intake
from app.services.tickets.intake import Requester, TicketRequest

MAX_ID_CHARS = 64
MAX_RESUME = 500  # messages per join ack; a client further behind joins again from the last seq it got
MAX_LISTED = 20  # conversations in the widget's list
MAX_ANSWER_CHARS = 500
NOT_FOUND = "No such conversation."  # the same words whether it exists or not: ids cannot be probed


@dataclass(frozen=True)
class StartRequest:
    """What the widget may say when a conversation begins (all optional)."""

    client_key: str | None = None  # the widget's id for this start: a retried start finds the first
    page_url: str | None = None
    answers: dict | None = None  # the pre-chat form: {"name", "email", custom keys}
    channel: str = "chat"
    contact_email: str | None = None
    outreach_decision_id: int | None = None  # the proactive message this chat answers


@dataclass(frozen=True)
class VisitorConversation:
    """One line of the widget's conversation list."""

    conversation: Conversation
    last_message: Message | None
    agent_name: str | None


def profile_on_site(visitor: Visitor) -> tuple[int, bool]:
    """Called by the widget's connect: the profile of the visitor now on the site, found or created
    as a page view would (the widget's first events may still be on their way), and whether the
    token may act for it (an anonymous token does not own an identified profile). Flushes; the
    connection's record commits it."""
    owned = visitors.owned_profile_id(visitor)
    if owned is not None:
        return owned, True
    try:
        customer = resolve(visitor.customer_id, visitor.anonymous_id, utcnow(), BatchCache())
        db.session.flush()
    except IntegrityError:  # the widget's first events made the same profile just now (PostgreSQL)
        db.session.rollback()
        customer = resolve(visitor.customer_id, visitor.anonymous_id, utcnow(), BatchCache())
        db.session.flush()
    return customer.id, customer.external_id == visitor.customer_id


def known_contact(visitor: Visitor) -> dict:
    """The name and email the visitor's profile already has (the pre-chat form skips them)."""
    query = select(Customer.name, Customer.email).where(Customer.id == visitors.owned_profile(visitor))
    row = db.session.execute(query).first()
    return {"name": row.name, "email": row.email} if row else {}


def visitor_conversation(visitor: Visitor, conversation_id: int, *, lock: bool = False) -> Conversation:
    """The visitor's own conversation; NotFoundError for another's or a missing one alike."""
    query = select(Conversation).where(Conversation.id == conversation_id,
                                       Conversation.customer_id == visitors.owned_profile(visitor))
    if lock:
        query = query.with_for_update(of=Conversation)
    conversation = db.session.scalar(query.execution_options(populate_existing=True))
    if conversation is None:
        raise NotFoundError(NOT_FOUND)
    return conversation


def agent_conversation(agent: Agent, conversation_id: int, *, lock: bool = False) -> Conversation:
    """Any conversation, for any active agent (inbox permissions come with the inbox)."""
    return get_row(Conversation, conversation_id, NOT_FOUND, lock=lock)


def _check_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2048 or not value.startswith(("http://", "https://")):
        raise DomainError("page_url must be an http(s) address of at most 2,048 characters.", field="page_url")
    return value


def _check_email(value, field: str = "email", *, required: bool = False) -> str | None:
    if value in (None, "") and not required:
        return None
    if not is_email(value):
        raise DomainError("Enter a valid email address.", field=field)
    return value.strip()


def _check_answers(answers: dict | None) -> dict:
    """The pre-chat answers, against the form the admin set: known keys only, required ones there."""
    settings = chat_settings.current()
    answers = answers or {}
    if not isinstance(answers, dict) or not all(isinstance(v, str) for v in answers.values()):
        raise DomainError("answers must be an object of text values.", field="answers")
    if any(len(v) > MAX_ANSWER_CHARS for v in answers.values()):
        raise TooLongError(f"An answer holds at most {MAX_ANSWER_CHARS} characters.", field="answers")
    known = {"name", "email"} | {f.key for f in settings.prechat_fields}
    kept = {k: v.strip() for k, v in answers.items() if k in known and v.strip()}
    if "email" in kept:
        kept["email"] = _check_email(kept["email"])
    for f in settings.prechat_fields if settings.prechat_enabled else ():
        if f.required and f.key not in kept:
            raise DomainError(f"Please answer “{f.label}”.", field=f.key)
    return kept


def _check_start(request: StartRequest) -> StartRequest:
    if request.client_key is not None:
        check_id(request.client_key, "client_key", MAX_ID_CHARS)
    _check_url(request.page_url)
    if request.channel not in ("chat", "offline_message"):
        raise DomainError("channel must be chat or offline_message.", field="channel")
    email = _check_email(request.contact_email, "email", required=request.channel == "offline_message")
    return StartRequest(request.client_key, request.page_url, _check_answers(request.answers), request.channel,
                        email, request.outreach_decision_id if request.channel == "chat" else None)


def _existing_start(customer_id: int, client_key: str | None) -> Conversation | None:
    if client_key is None:
        return None
    return db.session.scalar(select(Conversation).where(Conversation.customer_id == customer_id,
                                                        Conversation.client_key == client_key))


def _profile_for_chat(visitor: Visitor, answers: dict, email: str | None) -> Customer:
    """The profile the visitor acts for, found or created (visitor_access.profile_to_act_for:
    IdentityRequiredError for an anonymous token on a customer's visitor id). Chatting is
    engagement (the brief's acquisition stage), so it is reassessed; a name and email from the
    pre-chat form fill the profile's when it has none (they never overwrite, and the email stays
    a claim: customers/emails.py)."""
    now = utcnow()
    customer = visitors.profile_to_act_for(visitor)
    customer.engaged_at = min(customer.engaged_at or now, now)
    customer.last_seen_at = max(customer.last_seen_at, now)
    if answers.get("name") and not customer.name:
        customer.name = answers["name"][:200]
    if (answers.get("email") or email) and not customer.email:
        customer.email = answers.get("email") or email
    lifecycle.reassess(customer, lifecycle.current_rules(), now=now)
    return customer


def start_conversation(visitor: Visitor, request: StartRequest | None = None, first_message: str | None = None,
                       ) -> Conversation:
    """Called by the widget's start_conversation (and leave_message, with a first message): a new
    open conversation on the visitor's profile, given to an available agent by round-robin.
    Idempotent on request.client_key: a retried start returns the first conversation. One commit,
    then `conversation_created` to the inbox, the assignment's facts, and `conversation_started`
    to the visitor's other tabs."""
    request = _check_start(request or StartRequest())
    if first_message is not None:
        _check_body(first_message)
    customer = _profile_for_chat(visitor, request.answers, request.contact_email)
    existing = _existing_start(customer.id, request.client_key)
    if existing is not None:
        db.session.rollback()
        return existing
    decision = (outreach_answers.answered(request.outreach_decision_id, customer.id)
                if request.outreach_decision_id else None)
    if decision is not None and decision.conversation_id is not None:  # answered already, in another tab
        db.session.rollback()
        return db.session.get(Conversation, decision.conversation_id)
    conversation = Conversation(
        customer_id=customer.id, status="open", created_at=utcnow(), last_seq=0, channel=request.channel,
        client_key=request.client_key, page_url=request.page_url, prechat=request.answers or None,
        contact_email=request.contact_email)
    db.session.add(conversation)
    db.session.flush()
    first = None
    if first_message is not None:
        first = message_store.add_in_transaction(conversation, first_message, author_type="visitor", internal=False)
    ticket = _ticket_for_left_message(conversation, customer, first_message) if request.channel == "offline_message" \
        else None
    note = outreach_answers.open_with(decision, conversation) if decision else assignment.assign_new(conversation)
    # For the knowledge-base reports: the articles this visitor read just before did not answer them.
    search.note_contact(search.widget_visitor_key(visitor.anonymous_id), "chat")
    try:
        db.session.commit()
    except IntegrityError:  # the same client_key committed by a concurrent retry (PostgreSQL)
        db.session.rollback()
        return _existing_start(visitors.owned_profile_id(visitor), request.client_key)
    _announce_start(conversation, customer.id, first, note)
    if ticket is not None:
        realtime.ticket_changed(intake.ticket_payload(ticket), created=True)
    return conversation


def _ticket_for_left_message(conversation: Conversation, customer: Customer, body: str):
    """A message left while nobody was online is also a ticket (channel widget) that agents work
    and the customer follows in My requests; the conversation stays its chat-side record."""
    subject = " ".join(body.split())[:80]
    return intake.build_ticket(TicketRequest(
        subject=subject, body=body, channel="widget", requester=Requester(customer_id=customer.id),
        client_key=f"conversation-{conversation.id}"), by=Actor("customer", customer.id, conversation.contact_email),
        conversation_id=conversation.id)


def _announce_start(conversation: Conversation, customer_id: int, first: Message | None, note: Message | None):
    payload = conversation_payload(conversation)
    realtime.conversation_created(payload)
    if note is not None:
        assignment.announce(conversation, None, note)
    if first is not None:
        realtime.conversation_activity(_activity(conversation.id, message_payload(first), conversation.assignee_id,
                                                 conversation.unread_for_agents))
    realtime.customer_updated(customer_id, cart_changed=False)
    realtime.visitor_conversation_started(customer_id, {"conversation": visitor_conversation_payload(conversation)})


def _check_body(body) -> None:
    if not isinstance(body, str) or not body.strip():
        raise DomainError("body must be non-empty text.", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise TooLongError(f"A message holds at most {MAX_BODY_CHARS} characters.", field="body")


def check_message(client_msg_id, body) -> None:
    check_id(client_msg_id, "client_msg_id", MAX_ID_CHARS)
    _check_body(body)


def _activity(conversation_id: int, message: dict, assignee_id: int | None, unread: int) -> dict:
    return activity_payload(conversation_id, seq=message["seq"], assignee_id=assignee_id, unread=unread,
                            message=message)


def send_visitor_message(visitor: Visitor, conversation_id: int, client_msg_id: str, body: str) -> ChatMessage:
    """Called by the widget's send_message. Idempotent on client_msg_id: a resend returns the stored
    message and announces nothing. A resolved or pending conversation (re)opens. After the
    commit: `message_created` to the conversation's rooms (/chat and /console),
    `conversation_activity` for the badges, and `conversation_updated` when it reopened."""
    check_message(client_msg_id, body)
    owner = ("customer", visitor.customer_id) if visitor.customer_id else ("anonymous", visitor.anonymous_id)
    stored = message_store.append(conversation_id, client_msg_id, body, author_type="visitor", owner=owner[0],
                                  owner_value=owner[1], status_after="open")
    if stored.created:
        payload = message_payload(stored.message)
        realtime.message_created(payload, internal=False)
        realtime.conversation_activity(_activity(conversation_id, payload, stored.assignee_id,
                                                 stored.unread_for_agents))
        if stored.previous_status != "open":
            _announce_status(conversation_id)
    return stored.message


def send_agent_message(agent: Agent, conversation_id: int, client_msg_id: str, body: str,
                       internal: bool = False) -> ChatMessage:
    """Called by the console's send_message. Idempotent on client_msg_id like the visitor's.
    An internal note is announced to agents only (`conversation:{id}:agents` on /console); a
    public reply also clears the agents' unread count (`conversation_activity`)."""
    check_message(client_msg_id, body)
    stored = message_store.append(conversation_id, client_msg_id, body, author_type="agent",
                                  author_agent_id=agent.id, internal=bool(internal))
    if stored.created:
        payload = message_payload(stored.message)
        realtime.message_created(payload, internal=stored.message.is_internal_note)
        if not stored.message.is_internal_note:
            realtime.conversation_activity(_activity(conversation_id, payload, stored.assignee_id, 0))
    return stored.message


def _announce_status(conversation_id: int) -> None:
    """After a status change is committed: the inbox and the visitor's widget."""
    conversation = db.session.get(Conversation, conversation_id)
    realtime.conversation_updated(conversation_payload(conversation))
    realtime.visitor_conversation_updated(visitor_conversation_payload(conversation))


def messages_since(conversation: Conversation, since_seq: int, *, include_internal: bool) -> list[Message]:
    """Messages after since_seq in seq order (at most MAX_RESUME), for a client resuming after a
    reconnect. Visitors never get internal notes."""
    query = select(Message).where(Message.conversation_id == conversation.id, Message.seq > since_seq)
    if not include_internal:
        query = query.where(Message.is_internal_note.is_(False))
    return list(db.session.scalars(query.order_by(Message.seq).limit(MAX_RESUME)))


def visitor_conversations(visitor: Visitor, limit: int = MAX_LISTED) -> list[VisitorConversation]:
    """Called by the widget's list_conversations: the visitor's conversations, newest activity
    first, each with its last public message (one indexed lookup each, at most `limit`) and the
    answering agent's name."""
    rows = db.session.execute(
        select(Conversation, Agent.display_name)
        .outerjoin(Agent, Agent.id == Conversation.assignee_id)
        .where(Conversation.customer_id == visitors.owned_profile(visitor))
        .order_by(Conversation.last_message_at.is_(None), Conversation.last_message_at.desc(),
                  Conversation.id.desc()).limit(limit)).all()
    listed = []
    for conversation, agent_name in rows:
        last = db.session.scalar(select(Message).where(and_(
            Message.conversation_id == conversation.id, Message.is_internal_note.is_(False)))
            .order_by(Message.seq.desc()).limit(1))
        listed.append(VisitorConversation(conversation, last, agent_name))
    return listed
