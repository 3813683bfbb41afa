"""Reading tickets for the console: the views (lists with keyset pagination) and a ticket's page."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, text

from app.extensions import db
from app.models import (
    Agent,
    Customer,
    SlaPolicy,
    Survey,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketGroup,
    TicketMessage,
    TicketTag,
)
from app.models.base import utcnow
from app.models.ticket import UNSOLVED_SQL, UNSOLVED_STATUSES
from app.services.customers.queries import CustomerContext, customer_context
from app.services.errors import DomainError, NotFoundError
from app.services.feedback import surveys
from app.services.platform import presence
from app.services.tickets import audiences, search
from app.services.tickets.attachments import files as ticket_attachments
from app.services.tickets.intake import get_ticket
from app.services.tickets.sla import targets

PAGE_SIZE = 50
UNSOLVED = UNSOLVED_STATUSES
COUNT_CAP = 1000  # a view's count stops here ("1,000+"): past it, nobody reads the number


@dataclass(frozen=True)
class View:
    """A built-in view: which statuses, whose, and (lifecycle views) which customers."""

    label: str
    statuses: tuple[str, ...] | None
    whose: str = "anyone"  # mine, nobody, anyone
    audience: str | None = None  # lifecycle views: a key of ticket_audiences.BITS (the requester now)
    sort: str = "updated"  # a key of SORTS: the view's own order
    due_within: timedelta | None = None  # the SLA view: a target due within this (or passed)

    @property
    def work_queue(self) -> bool:
        """Only unsolved tickets: the ones with deadlines."""
        return self.statuses is not None and set(self.statuses) <= set(UNSOLVED)


@dataclass(frozen=True)
class Sort:
    """An order for a list, with what its keyset cursor holds."""

    label: str
    key: str  # updated_at, id (creation order), sla_due_at
    descending: bool


SORTS = {
    "updated": Sort("Latest activity", "updated_at", True),
    "updated_asc": Sort("Oldest activity", "updated_at", False),
    "created": Sort("Newest first", "id", True),
    "created_asc": Sort("Oldest first", "id", False),
    "due": Sort("Next SLA deadline", "sla_due_at", False),  # work-queue views only; no deadline last
}


@dataclass(frozen=True)
class Filters:
    """What an agent narrowed a view to (all optional): what saved views store."""

    tag: str | None = None
    priority: str | None = None
    group_id: int | None = None
    channel: str | None = None
    query: str | None = None
    sort: str | None = None  # None: the view's own


VIEWS = {
    "mine": View("My open tickets", UNSOLVED, "mine"),
    "unassigned": View("Unassigned", UNSOLVED, "nobody"),
    "open": View("All open", ("new", "open")),
    "pending": View("Pending and on hold", ("pending", "on_hold")),
    "sla": View("SLA breached or due soon", UNSOLVED, sort="due", due_within=targets.DUE_SOON),
    "solved": View("Solved", ("solved",)),
    "all": View("All tickets", None),
    "conversion_cart": View("Buying now, cart loaded", UNSOLVED, audience="conversion_cart"),
    "loyalty": View("Loyal customers", UNSOLVED, audience="loyalty"),
    "at_risk": View("Customers at risk", UNSOLVED, audience="at_risk"),
}
COUNTED = ("mine", "unassigned", "open", "pending", "sla", "conversion_cart", "loyalty", "at_risk")


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    requester: Customer
    assignee_name: str | None
    group_name: str | None
    clock: targets.Clock | None = None  # the most urgent SLA target still open


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketRow]
    next_cursor: str | None
    counts: dict[str, int]
    snippets: dict[int, str] | None = None  # a search's: where the words were found, per ticket
    sort: str = "updated"


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
    clocks: list[targets.Clock]
    policy_name: str | None
    survey: Survey | None = None  # CSAT, once the ticket was solved


def _cursor(ticket: Ticket, sort: Sort) -> str:
    value = getattr(ticket, sort.key) if sort.key != "id" else None
    return f"{'-' if value is None else f'{value.timestamp():.6f}'}_{ticket.id}"


def _parse_cursor(cursor: str) -> tuple[datetime | None, int]:
    try:
        stamp, _, ident = cursor.partition("_")
        return None if stamp == "-" else datetime.fromtimestamp(float(stamp), UTC), int(ident)
    except (ValueError, OverflowError, OSError):
        raise DomainError("That page link is not valid any more: start from the first page.", field="after") from None


def _after(cursor: str, sort: Sort):
    """The keyset condition: rows after the cursor's in the sort's order (id breaks ties)."""
    value, ident = _parse_cursor(cursor)
    if sort.key == "id":
        return Ticket.id < ident if sort.descending else Ticket.id > ident
    if value is None:
        raise DomainError("That page link is not valid any more: start from the first page.", field="after")
    column = getattr(Ticket, sort.key)
    if sort.descending:
        return or_(column < value, and_(column == value, Ticket.id < ident))
    return or_(column > value, and_(column == value, Ticket.id > ident))


def _order(sort: Sort) -> list:
    if sort.key == "id":
        return [Ticket.id.desc() if sort.descending else Ticket.id.asc()]
    column = getattr(Ticket, sort.key)
    return [column.desc(), Ticket.id.desc()] if sort.descending else [column.asc(), Ticket.id.asc()]


def _page_rows(statement, sort: Sort, after: str | None, limit: int) -> list:
    """limit + 1 rows after the cursor. By deadline: tickets with one (on the deadline index),
    then those without, by age; each part a keyset read, the cursor saying which part it is in."""
    if sort.key != "sla_due_at":
        if after:
            statement = statement.where(_after(after, sort))
        return db.session.execute(statement.order_by(*_order(sort)).limit(limit + 1)).all()
    value, ident = _parse_cursor(after) if after else (datetime.min.replace(tzinfo=UTC), 0)
    rows = []
    if value is not None:
        dated = statement.where(Ticket.sla_due_at.is_not(None))
        if after:
            dated = dated.where(_after(after, sort))
        rows = db.session.execute(dated.order_by(*_order(sort)).limit(limit + 1)).all()
        ident = 0
    if len(rows) <= limit:
        undated = statement.where(Ticket.sla_due_at.is_(None), Ticket.id > ident)
        rows += db.session.execute(undated.order_by(Ticket.id).limit(limit + 1 - len(rows))).all()
    return rows


def sorts_for(view: str) -> dict[str, Sort]:
    """The orders a view can be listed in: deadlines only where tickets have them; the SLA view
    only by deadline (any other order would sort most of the work queue for one page)."""
    if VIEWS[view].due_within is not None:
        return {"due": SORTS["due"]}
    return {key: s for key, s in SORTS.items() if key != "due" or VIEWS[view].work_queue}


def _in_audience(audience: str):
    return Ticket.audiences.op("&")(audiences.BITS[audience]) != 0


def _filtered(query, view: str, agent_id: int):
    spec = VIEWS[view]
    if spec.work_queue:  # the partial indexes' own words (a bound IN would cost a row read per entry)
        query = query.where(text(f"tickets.{UNSOLVED_SQL}"))
    if spec.statuses is not None and set(spec.statuses) != set(UNSOLVED):
        query = query.where(Ticket.status.in_(spec.statuses))
    if spec.due_within is not None:
        query = query.where(Ticket.sla_due_at <= utcnow() + spec.due_within)
    if spec.whose == "mine":
        query = query.where(Ticket.assignee_id == agent_id)
    elif spec.whose == "nobody":
        query = query.where(Ticket.assignee_id.is_(None))
    if spec.audience is not None:
        query = query.where(_in_audience(spec.audience))
    return query


def _narrowed(statement, filters: Filters):
    if filters.tag:
        # Correlated: the view's order drives the read, each row's tag a primary-key lookup.
        statement = statement.where(exists().where(TicketTag.ticket_id == Ticket.id,
                                                   TicketTag.tag == filters.tag.lower()))
    if filters.priority:
        statement = statement.where(Ticket.priority == filters.priority)
    if filters.group_id:
        statement = statement.where(Ticket.group_id == filters.group_id)
    if filters.channel:
        statement = statement.where(Ticket.channel == filters.channel)
    return statement


def list_tickets(view: str, agent_id: int, *, filters: Filters = Filters(), after: str | None = None,
                 limit: int = PAGE_SIZE, counts: float | None = None) -> TicketPage:
    """Called by the ticket list: one view's tickets narrowed by the filters, in the chosen order
    (the view's own by default), `limit` a page, from after the cursor of the previous page
    (keyset: every page costs the same). With a search query: the view's tickets among the newest
    matches, one page, with snippets. `counts`: the views' counts known within that many seconds
    (the rest are fetched by the page's script). Each row carries its most urgent SLA target."""
    if view not in VIEWS:
        raise DomainError(f"view must be one of {', '.join(VIEWS)}.", field="view")
    sort_key = filters.sort or VIEWS[view].sort
    if sort_key not in sorts_for(view):
        raise DomainError(f"sort must be one of {', '.join(sorts_for(view))}.", field="sort")
    sort = SORTS[sort_key]
    statement = _narrowed(_filtered(select(Ticket, Customer, Agent.display_name, TicketGroup.name)
                                    .join(Customer, Customer.id == Ticket.requester_id)
                                    .outerjoin(Agent, Agent.id == Ticket.assignee_id)
                                    .outerjoin(TicketGroup, TicketGroup.id == Ticket.group_id), view, agent_id),
                          filters)
    snippets = None
    if filters.query and filters.query.strip():
        hits = search.search(filters.query, limit=200)
        snippets = {hit.ticket_id: hit.snippet for hit in hits}
        statement = statement.where(Ticket.id.in_(list(snippets)))
        after = None
    rows = _page_rows(statement, sort, after, limit)
    calendar, now = targets.to_calendar(targets.shop_calendar()), utcnow()
    page = [TicketRow(t, c, a, g, _most_urgent(t, calendar, now)) for t, c, a, g in rows[:limit]]
    more = len(rows) > limit and snippets is None
    return TicketPage(rows=page, next_cursor=_cursor(page[-1].ticket, sort) if more else None,
                      counts=cached_view_counts(agent_id, counts) if counts else {}, snippets=snippets, sort=sort_key)


def _most_urgent(ticket: Ticket, calendar, now: datetime) -> targets.Clock | None:
    if ticket.sla_due_at is None:
        return None
    running = [c for c in targets.clocks(ticket, calendar, now) if c.state != "met"]
    return min(running, key=lambda c: c.due_at, default=None)


_counts_lock = threading.Lock()
_counts: dict[tuple[str, int], tuple[float, int]] = {}  # (view, agent for "mine" else 0) → (when, count)


def _count_key(view: str, agent_id: int) -> tuple[str, int]:
    return view, agent_id if VIEWS[view].whose == "mine" else 0


def view_counts(agent_id: int) -> dict[str, int]:
    """Called by the counts endpoint: how many tickets each unsolved view holds (COUNT_CAP at most,
    so a count costs a bounded read however big the view), remembered for cached_view_counts."""
    counts = {}
    for view in COUNTED:
        capped = _filtered(select(Ticket.id), view, agent_id).limit(COUNT_CAP).subquery()
        counts[view] = db.session.scalar(select(func.count()).select_from(capped))
    now = time.monotonic()
    with _counts_lock:
        _counts.update({_count_key(view, agent_id): (now, n) for view, n in counts.items()})
    return counts


def cached_view_counts(agent_id: int, max_age_s: float) -> dict[str, int]:
    """Called by the ticket list: the counts view_counts found at most max_age_s ago (this process)."""
    oldest = time.monotonic() - max_age_s
    with _counts_lock:
        found = {view: _counts.get(_count_key(view, agent_id)) for view in COUNTED}
    return {view: hit[1] for view, hit in found.items() if hit and hit[0] >= oldest}


def count_label(count: int) -> str:
    """A view's count as the view list shows it: "1,000+" at the cap."""
    return f"{COUNT_CAP:,}+" if count >= COUNT_CAP else f"{count:,}"


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
    policy = db.session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    return TicketView(ticket=ticket, thread=thread, trail=trail, tags=tags, context=context, team=presence.team(),
                      groups=groups, clocks=targets.clocks(ticket, targets.to_calendar(targets.shop_calendar())),
                      policy_name=policy.name if policy else None, survey=surveys.for_ticket(ticket.id))


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
