"""Reading tickets for the console: the views (lists with keyset pagination) and a ticket's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import (
    Agent,
    Cart,
    Customer,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketGroup,
    TicketMessage,
    TicketTag,
)
from app.services import presence, ticket_attachments, ticket_search
from app.services.customers import CustomerContext, customer_context
from app.services.errors import DomainError, NotFoundError
from app.services.tickets import get_ticket

PAGE_SIZE = 50
UNSOLVED = ("new", "open", "pending", "on_hold")


@dataclass(frozen=True)
class View:
    """A built-in view: which statuses, whose, and (lifecycle views) which customers."""

    label: str
    statuses: tuple[str, ...] | None
    whose: str = "anyone"  # mine, nobody, anyone
    audience: str | None = None  # a key of AUDIENCES


# Lifecycle views: the requester's stage, flags and cart, now.
AUDIENCES = {
    "conversion_cart": lambda: and_(Customer.stage == "conversion", Ticket.requester_id.in_(
        select(Cart.customer_id).where(Cart.item_count > 0))),
    "loyalty": lambda: Customer.stage == "loyalty",
    "at_risk": lambda: or_(Customer.is_at_risk.is_(True), Customer.is_vip.is_(True) & Customer.is_churned.is_(True)),
}

VIEWS = {
    "mine": View("My open tickets", UNSOLVED, "mine"),
    "unassigned": View("Unassigned", UNSOLVED, "nobody"),
    "open": View("All open", ("new", "open")),
    "pending": View("Pending and on hold", ("pending", "on_hold")),
    "solved": View("Solved", ("solved",)),
    "all": View("All tickets", None),
    "conversion_cart": View("Buying now, cart loaded", UNSOLVED, audience="conversion_cart"),
    "loyalty": View("Loyal customers", UNSOLVED, audience="loyalty"),
    "at_risk": View("Customers at risk", UNSOLVED, audience="at_risk"),
}
COUNTED = ("mine", "unassigned", "open", "pending", "conversion_cart", "loyalty", "at_risk")


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    requester: Customer
    assignee_name: str | None
    group_name: str | None


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketRow]
    next_cursor: str | None
    counts: dict[str, int]
    snippets: dict[int, str] | None = None  # a search's: where the words were found, per ticket


@dataclass(frozen=True)
class ThreadEntry:
    message: TicketMessage
    author_name: str
    attachments: tuple[TicketAttachment, ...] = ()


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket
    thread: list[ThreadEntry]
    trail: list[TicketEvent]
    tags: list[str]
    context: CustomerContext | None  # None once the customer was erased
    team: list[presence.TeamMember]
    groups: list[TicketGroup]


def _cursor(ticket: Ticket) -> str:
    return f"{ticket.updated_at.timestamp():.6f}_{ticket.id}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, _, ident = cursor.partition("_")
        return datetime.fromtimestamp(float(stamp), UTC), int(ident)
    except (ValueError, OverflowError, OSError):
        raise DomainError("That page link is not valid any more: start from the first page.", field="after") from None


def _filtered(query, view: str, agent_id: int, *, joined: bool = True):
    spec = VIEWS[view]
    if spec.statuses is not None:
        query = query.where(Ticket.status.in_(spec.statuses))
    if spec.whose == "mine":
        query = query.where(Ticket.assignee_id == agent_id)
    elif spec.whose == "nobody":
        query = query.where(Ticket.assignee_id.is_(None))
    if spec.audience is not None:
        if not joined:
            query = query.join(Customer, Customer.id == Ticket.requester_id)
        query = query.where(AUDIENCES[spec.audience]())
    return query


def list_tickets(view: str, agent_id: int, *, after: str | None = None, tag: str | None = None,
                 query: str | None = None, limit: int = PAGE_SIZE, counts: bool = True) -> TicketPage:
    """Called by the ticket list: one view's tickets, newest activity first, `limit` a page, from
    after the cursor of the previous page (keyset: every page costs the same). With a search
    query: the view's tickets among the newest matches, one page, with snippets."""
    if view not in VIEWS:
        raise DomainError(f"view must be one of {', '.join(VIEWS)}.", field="view")
    statement = _filtered(select(Ticket, Customer, Agent.display_name, TicketGroup.name)
                      .join(Customer, Customer.id == Ticket.requester_id)
                      .outerjoin(Agent, Agent.id == Ticket.assignee_id)
                      .outerjoin(TicketGroup, TicketGroup.id == Ticket.group_id), view, agent_id)
    if tag:
        statement = statement.where(Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag == tag.lower())))
    snippets = None
    if query and query.strip():
        hits = ticket_search.search(query, limit=200)
        snippets = {hit.ticket_id: hit.snippet for hit in hits}
        statement = statement.where(Ticket.id.in_(list(snippets)))
        after = None
    if after:
        stamp, ident = _parse_cursor(after)
        statement = statement.where(or_(Ticket.updated_at < stamp,
                                        and_(Ticket.updated_at == stamp, Ticket.id < ident)))
    rows = db.session.execute(statement.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit + 1)).all()
    page = [TicketRow(t, c, a, g) for t, c, a, g in rows[:limit]]
    more = len(rows) > limit and snippets is None
    return TicketPage(rows=page, next_cursor=_cursor(page[-1].ticket) if more else None,
                      counts=view_counts(agent_id) if counts else {}, snippets=snippets)


def view_counts(agent_id: int) -> dict[str, int]:
    """How many tickets each unsolved view holds, for the view list."""
    counts = {}
    for view in COUNTED:
        counts[view] = db.session.scalar(_filtered(select(func.count(Ticket.id)), view, agent_id, joined=False))
    return counts


def ticket_view(ticket_id: int) -> TicketView:
    """Called by the ticket page: the ticket, its thread with authors' names and files, the audit
    trail, its tags, the requester's context, the team (for assignment) and the groups."""
    ticket = get_ticket(ticket_id)
    files = ticket_attachments.by_message(ticket.id)
    thread = [ThreadEntry(m, name or "", tuple(files.get(m.id, ()))) for m, name in db.session.execute(
        select(TicketMessage, Agent.display_name).outerjoin(Agent, Agent.id == TicketMessage.author_agent_id)
        .where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id))]
    trail = list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                    .order_by(TicketEvent.id)))
    tags = list(db.session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket.id)
                                   .order_by(TicketTag.tag)))
    groups = list(db.session.scalars(select(TicketGroup).order_by(TicketGroup.name)))
    try:
        context = customer_context(ticket.requester_id)
    except NotFoundError:  # erased on request: the ticket stays, blanked, without its customer
        context = None
    return TicketView(ticket=ticket, thread=thread, trail=trail, tags=tags, context=context, team=presence.team(),
                      groups=groups)


def api_document(ticket_id: int) -> dict:
    """A ticket as the API shows it: its fields and its public messages (notes never)."""
    ticket = get_ticket(ticket_id)
    external_id = db.session.scalar(select(Customer.external_id).where(Customer.id == ticket.requester_id))
    messages = db.session.execute(
        select(TicketMessage, Agent.display_name).outerjoin(Agent, Agent.id == TicketMessage.author_agent_id)
        .where(TicketMessage.ticket_id == ticket.id, TicketMessage.internal.is_(False)).order_by(TicketMessage.id))
    return {"id": ticket.id, "subject": ticket.subject, "status": ticket.status, "priority": ticket.priority,
            "type": ticket.type, "channel": ticket.channel, "customer_id": external_id,
            "created_at": ticket.created_at, "updated_at": ticket.updated_at,
            "messages": [{"seq": n, "author_type": m.author_type, "author_name": name, "body": m.body,
                          "created_at": m.created_at} for n, (m, name) in enumerate(messages, start=1)]}
