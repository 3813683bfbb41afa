"""Test factories: event dicts as the shop sends them, and agents, customers, tickets and
conversations made through the services the app itself uses (call them inside an app context)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Agent, Conversation, Customer, Ticket
from app.models.base import utcnow
from app.services.access import agents
from app.services.access.visitor_tokens import Visitor
from app.services.conversations import inbox, live_chat
from app.services.conversations.live_chat import StartRequest
from app.services.customers import profiles
from app.services.customers.batch_cache import BatchCache
from app.services.platform.audit import CLI, Actor
from app.services.shop_events.ingestion import ingest_events
from app.services.tickets import intake
from app.services.tickets.attachments.store import Upload
from app.services.tickets.intake import Requester, TicketRequest
from tests.support import shop_events

AGENT_PASSWORD = "correct-horse-battery"

_ids = itertools.count(1)
_agents = itertools.count(1)
_visitors = itertools.count(1)
BASE = datetime(2026, 11, 20, 10, tzinfo=UTC)


# --- events (dicts; no app needed) -----------------------------------------------------------


def at(minutes: float = 0, *, days: float = 0) -> str:
    return (BASE + timedelta(minutes=minutes, days=days)).isoformat()


def event(kind: str, properties: dict | None = None, *, when: str | None = None, event_id: str | None = None,
          customer: str | None = None, anonymous: str | None = None) -> dict:
    """One event as the shop would send it."""
    data = {"id": event_id or f"evt-{next(_ids)}", "type": kind, "timestamp": when or at(),
            "properties": properties or {}}
    if customer:
        data["customer_id"] = customer
    if anonymous:
        data["anonymous_id"] = anonymous
    return data


def items(*lines: tuple[str, int, str]) -> list[dict]:
    return [{"sku": sku, "name": f"Product {sku}", "quantity": qty, "unit_price": price} for sku, qty, price in lines]


def cart(lines: list[dict], total: str, currency: str = "EUR") -> dict:
    return {"items": lines, "currency": currency, "total": total}


def order(order_id: str, lines: list[dict], total: str, currency: str = "EUR") -> dict:
    return {"order_id": order_id, "items": lines, "currency": currency, "total": total}


# --- agents ----------------------------------------------------------------------------------


def make_agent(role: str = "agent", email: str | None = None, password: str = AGENT_PASSWORD,
               name: str | None = None) -> Agent:
    """An agent who can sign in at once (agents.create_agent, as the CLI makes one): by default
    agent{n}@example.com, "Agent {n}", a fresh n each call, and AGENT_PASSWORD."""
    n = next(_agents)
    return agents.create_agent(email or f"agent{n}@example.com", name or f"Agent {n}", role, password, by=CLI)


# --- customers -------------------------------------------------------------------------------


def make_customer(external_id: str | None = None, *, name: str = "Ann Lee", email: str | None = None,
                  cart: tuple = (), orders: int = 0, minutes_ago: float = 600) -> Customer:
    """A shop customer made by ingesting a realistic journey (tests.support.shop_events): an ad
    visit, a product page and the sign-in (identify, so the email is theirs), then the cart's
    lines if any (MUG-style tuples) and `orders` orders of a mug and tea. Stage: acquisition,
    conversion or later as the orders make it. external_id defaults to a fresh cust-…, the email
    to {external_id}@example.com."""
    external_id = external_id or f"cust-{uuid.uuid4().hex[:10]}"
    email = email or f"{external_id}@example.com"
    events = shop_events.visitor_journey(external_id, email=email, name=name, minutes_ago=minutes_ago)
    if cart:
        events.append(shop_events.cart_updated(external_id, *cart, minutes_ago=minutes_ago - 20))
    for n in range(orders):
        events.append(shop_events.order_placed(external_id, f"{external_id}-order-{n + 1}", shop_events.MUG,
                                               shop_events.TEA, minutes_ago=minutes_ago - 30 - n))
    result = ingest_events(events, source="api")
    assert result.accepted == len(events) and not result.rejected, result
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def make_profile(external_id: str | None = None, anonymous_id: str | None = None) -> Customer:
    """A bare profile, as the first event naming it makes one (profiles.resolve): the shop's id
    and/or a visitor's anonymous id, no name, email or history. Both ids link them (a sign-in)."""
    made = profiles.resolve(external_id, anonymous_id, utcnow(), BatchCache())
    db.session.commit()
    return made


# --- tickets ---------------------------------------------------------------------------------


def make_ticket(n: int | None = None, *, subject: str | None = None, body: str | None = None,
                channel: str = "help_center", email: str | None = None, name: str | None = None,
                customer: Customer | str | None = None, by: Actor = CLI, uploads: Sequence[Upload] = (),
                **fields) -> Ticket:
    """A ticket through tickets.create_ticket, as a form or the API opens one.

    Without n: Ines's broken mug ("Broken mug", "The mug came in pieces.", from ines@example.com),
    so two such tickets have one requester. With n: "Question {n}", "Body {n}" from
    c{n}@example.com, one requester per n. subject, body and email override either.
    The requester is `customer` when given (a Customer, or the shop's id for one, whose profile
    must exist: see make_profile), else the email's profile (made when new). `fields` are the
    other TicketRequest fields: priority, type, tags, group_id, client_key, ..."""
    if n is None:
        defaults = ("Broken mug", "The mug came in pieces.", "ines@example.com")
    else:
        defaults = (f"Question {n}", f"Body {n}", f"c{n}@example.com")
    if isinstance(customer, Customer):
        requester = Requester(customer_id=customer.id)
    elif customer is not None:
        requester = Requester(external_id=customer)
    else:
        requester = Requester(email=email or defaults[2], name=name)
    request = TicketRequest(subject=defaults[0] if subject is None else subject,
                            body=defaults[1] if body is None else body, channel=channel, requester=requester,
                            **fields)
    return intake.create_ticket(request, by=by, uploads=uploads)


# --- conversations ---------------------------------------------------------------------------


def make_conversation(anonymous_id: str | None = None, customer: Customer | str | None = None, *,
                      message: str | None = None, status: str = "open", assignee: Agent | None = None,
                      **start) -> Conversation:
    """A chat started by a visitor's widget (conversations.start_conversation). The visitor is
    anonymous_id, for the shop's `customer` (a Customer or its external id: the widget proved it)
    when given; anonymous_id defaults to anon-{external id}, or a fresh anon-v{n}. `start` are
    StartRequest fields (client_key, contact_email, answers, channel...). Then, optionally: the
    visitor's first `message` (client_msg_id "m1"), a `status` set from the inbox
    (inbox.set_status), and an `assignee` written on the row (no assignment events)."""
    external_id = customer.external_id if isinstance(customer, Customer) else customer
    if anonymous_id is None:
        anonymous_id = f"anon-{external_id}" if external_id else f"anon-v{next(_visitors)}"
    visitor = Visitor(anonymous_id, external_id)
    conversation = live_chat.start_conversation(visitor, StartRequest(**start) if start else None)
    if message is not None:
        live_chat.send_visitor_message(visitor, conversation.id, "m1", message)
    if status != "open":
        inbox.set_status(conversation.id, status, by=CLI)
    if assignee is not None:
        conversation = db.session.get(Conversation, conversation.id)
        conversation.assignee_id = assignee.id
        db.session.commit()
    return conversation
