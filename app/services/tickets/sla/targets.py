"""SLA: the policy a ticket falls under, its targets' due times in business hours, and breaches.

Kept right on every flush (a before_flush listener, so every entry point is covered: forms, the
widget, chats, the API, the console, bulk changes, merges): a new ticket, or a change of its
priority or requester, picks the policy again and recomputes both due times from the ticket's
creation; a first public reply, a solve or a reopen move the next open deadline (`sla_due_at`).
A target met late is marked breached at that moment; mark_breaches, a periodic job, marks the
targets that pass while nobody acts and tells the assignee by email. Targets do not pause while a
ticket is pending or on hold: the clock is the customer's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Agent, BusinessCalendar, Customer, SlaPolicy, Ticket
from app.models.base import utcnow
from app.models.customer import FLAGS
from app.models.ticket import UNSOLVED_SQL, UNSOLVED_STATUSES
from app.services.platform import outbox
from app.services.platform.audit import SYSTEM
from app.services.platform.locked_rows import changed_in_flush
from app.services.tickets.history import record
from app.services.tickets.sla.business_hours import WEEKDAYS, Calendar, add_business_minutes, business_minutes_between

log = logging.getLogger(__name__)
DUE_SOON = timedelta(hours=1)
BATCH = 500
TARGETS = {"first_response": "first response", "resolution": "resolution"}


def to_calendar(row: BusinessCalendar | None) -> Calendar:
    """The calculator's form of a stored calendar (always open when there is none)."""
    if row is None or not row.hours:
        return Calendar.always_open()

    def minutes(clock: str) -> int:
        hours, _, mins = clock.partition(":")
        return int(hours) * 60 + int(mins)

    hours = {WEEKDAYS.index(day): (minutes(span[0]), minutes(span[1])) for day, span in row.hours.items()}
    holidays = frozenset(date.fromisoformat(entry.split(" ")[0]) for entry in row.holidays)  # "date note"
    return Calendar(row.timezone, hours, holidays)


def shop_calendar() -> BusinessCalendar | None:
    """The shop's calendar (the first one), if an admin set one."""
    return db.session.scalar(select(BusinessCalendar).order_by(BusinessCalendar.id).limit(1))


def policy_matches(policy: SlaPolicy, priority: str, customer: Customer | None) -> bool:
    if policy.priorities and priority not in policy.priorities:
        return False
    if policy.stages and (customer is None or customer.stage not in policy.stages):
        return False
    flags = {flag for flag in FLAGS if customer is not None and getattr(customer, f"is_{flag}")}
    return not policy.flags or bool(flags & set(policy.flags))


def active_policies(session: Session) -> list[tuple[SlaPolicy, Calendar]]:
    """The active policies in the order they are tried, each with the calendar it counts in."""
    policies = list(session.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True))
                                    .order_by(SlaPolicy.position, SlaPolicy.id)))
    if not policies:
        return []
    calendars = {row.id: row for row in session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.id))}
    shop = next(iter(calendars.values()), None)
    return [(policy, to_calendar(calendars.get(policy.calendar_id, shop))) for policy in policies]


def _set_targets(session: Session, ticket: Ticket, policies: list[tuple[SlaPolicy, Calendar]]) -> None:
    """Pick the policy and compute both due times from the ticket's creation."""
    customer = session.get(Customer, ticket.requester_id) if ticket.requester_id else None
    found = next(((p, c) for p, c in policies if policy_matches(p, ticket.priority, customer)), None)
    if found is None:
        ticket.sla_policy_id = ticket.first_response_due_at = ticket.resolution_due_at = None
        return
    policy, calendar = found
    created = ticket.created_at or utcnow()
    ticket.sla_policy_id = policy.id
    ticket.first_response_due_at = (add_business_minutes(created, policy.first_response_minutes, calendar)
                                    if policy.first_response_minutes else None)
    ticket.resolution_due_at = (add_business_minutes(created, policy.resolution_minutes, calendar)
                                if policy.resolution_minutes else None)


def next_deadline(ticket: Ticket) -> datetime | None:
    """The earliest target still open: none once solved (or closed)."""
    if ticket.status not in UNSOLVED_STATUSES:
        return None
    pending = [ticket.resolution_due_at]
    if ticket.first_response_at is None:
        pending.append(ticket.first_response_due_at)
    pending = [due for due in pending if due is not None]
    return min(pending) if pending else None


def _met_late(ticket: Ticket) -> None:
    if (ticket.first_response_at and ticket.first_response_due_at and not ticket.first_response_breached_at
            and ticket.first_response_at > ticket.first_response_due_at):
        ticket.first_response_breached_at = ticket.first_response_due_at
    if (ticket.solved_at and ticket.resolution_due_at and not ticket.resolution_breached_at
            and ticket.solved_at > ticket.resolution_due_at):
        ticket.resolution_breached_at = ticket.resolution_due_at


def _keep_in_step(session: Session, _flush_context, _instances) -> None:
    with session.no_autoflush:
        policies = None
        for ticket in [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Ticket)]:
            if ticket in session.new or changed_in_flush(ticket, "priority", "requester_id"):
                policies = active_policies(session) if policies is None else policies
                _set_targets(session, ticket, policies)
            _met_late(ticket)
            ticket.sla_due_at = next_deadline(ticket)


def install() -> None:
    """Called by create_app: keep every ticket's SLA fields right on every flush (once per process)."""
    if not event.contains(Session, "before_flush", _keep_in_step):
        event.listen(Session, "before_flush", _keep_in_step)


def recompute_open_tickets(batch: int = 1000) -> int:
    """A background job, enqueued when an admin changes the policies or the calendar: the unsolved
    tickets' targets again, a batch per commit (solved ones keep the targets they were measured
    by). Returns how many tickets it looked at."""
    policies, last_id, count = active_policies(db.session), 0, 0
    while True:
        tickets = list(db.session.scalars(select(Ticket).where(text(f"tickets.{UNSOLVED_SQL}"), Ticket.id > last_id)
                                          .order_by(Ticket.id).limit(batch)))
        if not tickets:
            return count
        list(db.session.scalars(select(Customer).where(Customer.id.in_({t.requester_id for t in tickets}))))
        for ticket in tickets:
            _set_targets(db.session, ticket, policies)
        db.session.commit()
        last_id, count = tickets[-1].id, count + len(tickets)


# --- the breach job ----------------------------------------------------------------------------


def _newly_breached(ticket: Ticket, now: datetime) -> list[str]:
    found = []
    if (ticket.first_response_at is None and ticket.first_response_due_at and ticket.first_response_due_at <= now
            and ticket.first_response_breached_at is None):
        ticket.first_response_breached_at = ticket.first_response_due_at
        found.append("first_response")
    if ticket.resolution_due_at and ticket.resolution_due_at <= now and ticket.resolution_breached_at is None:
        ticket.resolution_breached_at = ticket.resolution_due_at
        found.append("resolution")
    return found


def _notify(ticket: Ticket, target: str) -> None:
    agent = db.session.get(Agent, ticket.assignee_id) if ticket.assignee_id else None
    if agent is None or not agent.active:
        return
    link = f"{current_app.config['HELPDESK_PUBLIC_URL']}/console/tickets/{ticket.id}"
    due = getattr(ticket, f"{target}_due_at")
    outbox.queue_email(outbox.EmailDraft(
        kind="sla_breach", to=agent.email, ticket_id=ticket.id,
        dedupe_key=f"sla:{ticket.id}:{target}:{int(due.timestamp())}",
        subject=f"SLA breached: #{ticket.id} {ticket.subject}"[:200],
        text=(f"Hello {agent.display_name},\n\nTicket #{ticket.id} “{ticket.subject}” passed its {TARGETS[target]} "
              f"target (due {due:%Y-%m-%d %H:%M} UTC).\n\nOpen it: {link}\n")))


def mark_breaches(limit: int = BATCH) -> int:
    """The periodic job: mark the targets that passed unmet, audit each, email the assignee.
    Returns how many targets it marked."""
    now, marked = utcnow(), 0
    due = db.session.scalars(select(Ticket).where(text(f"tickets.{UNSOLVED_SQL}"), Ticket.sla_due_at <= now)
                             .order_by(Ticket.sla_due_at, Ticket.id).limit(limit))
    for ticket in list(due):
        for target in _newly_breached(ticket, now):
            record(ticket, SYSTEM, "sla", None, f"{TARGETS[target]} breached")
            _notify(ticket, target)
            marked += 1
    db.session.commit()
    if marked:
        log.info("sla breaches marked", extra={"count": marked})
    return marked


# --- what the console shows --------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One target as the console shows it."""

    target: str  # first_response, resolution
    state: str  # met, breached, due_soon, running
    due_at: datetime
    business_minutes_left: int  # 0 once passed


def clocks(ticket: Ticket, calendar: Calendar, now: datetime | None = None) -> list[Clock]:
    """A ticket's targets: met, breached, due soon (within an hour) or running."""
    now = now or utcnow()
    solved = ticket.solved_at if ticket.status not in UNSOLVED_STATUSES else None
    found = []
    for target, done_at in (("first_response", ticket.first_response_at), ("resolution", solved)):
        due = getattr(ticket, f"{target}_due_at")
        if due is None:
            continue
        breached = getattr(ticket, f"{target}_breached_at") is not None
        if done_at is not None:
            state = "breached" if breached or done_at > due else "met"
        elif breached or due <= now:
            state = "breached"
        else:
            state = "due_soon" if due - now <= DUE_SOON else "running"
        found.append(Clock(target, state, due, business_minutes_between(now, due, calendar)))
    return found
