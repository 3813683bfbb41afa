"""SLA policies: the first matching policy's targets in business hours, kept right by every
change (priority, first reply, solve, reopen), breaches marked by the job with the assignee told,
and the SLA view ordered by the next deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import OutboxEmail, Ticket, TicketEvent
from app.models.base import utcnow
from app.services.errors import DomainError
from app.services.platform.audit import CLI
from app.services.tickets import lists, updates
from app.services.tickets.sla import settings, targets
from app.services.tickets.sla.settings import PolicySpec
from tests.factories import make_ticket

ALWAYS = {day: ("00:00", "24:00") for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def policies(app):
    settings.save_calendar("UTC", ALWAYS, "", by=CLI)
    vip = settings.save_policy(PolicySpec("VIP", flags=["vip"], first_response_minutes=30,
                                              resolution_minutes=240), by=CLI)
    urgent = settings.save_policy(PolicySpec("Urgent", priorities=["urgent"], first_response_minutes=60,
                                                 resolution_minutes=480), by=CLI)
    standard = settings.save_policy(PolicySpec("Standard", first_response_minutes=240,
                                                   resolution_minutes=2880), by=CLI)
    return {"vip": vip, "urgent": urgent, "standard": standard}


def backdate(ticket: Ticket, minutes: int) -> Ticket:
    ticket.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()
    targets.recompute_open_tickets()
    return db.session.get(Ticket, ticket.id)


def test_the_first_matching_policy_sets_both_targets(policies):
    ticket = make_ticket(1)
    assert ticket.sla_policy_id == policies["standard"].id
    assert ticket.first_response_due_at == ticket.created_at + timedelta(minutes=240)
    assert ticket.resolution_due_at == ticket.created_at + timedelta(minutes=2880)
    assert ticket.sla_due_at == ticket.first_response_due_at
    urgent = make_ticket(2, priority="urgent")
    assert urgent.sla_policy_id == policies["urgent"].id


def test_a_priority_change_picks_the_policy_again_and_replies_move_the_deadline(policies, make_agent):
    agent = make_agent()
    ticket = make_ticket(1)
    updates.update_ticket(ticket.id, {"priority": "urgent"}, expected_version=1, by=CLI)
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.sla_policy_id == policies["urgent"].id
    assert ticket.first_response_due_at == ticket.created_at + timedelta(minutes=60)
    updates.reply_as_agent(ticket.id, "On it", agent=agent, by=CLI)
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.first_response_at is not None and ticket.sla_due_at == ticket.resolution_due_at
    assert [c.state for c in targets.clocks(ticket, targets.to_calendar(targets.shop_calendar()))] == ["met", "running"]
    updates.update_ticket(ticket.id, {"status": "solved"}, expected_version=ticket.version, by=CLI)
    assert db.session.get(Ticket, ticket.id).sla_due_at is None  # solved: nothing is due


def test_a_late_first_reply_is_a_breach(policies, make_agent):
    ticket = backdate(make_ticket(1), 300)  # four hours' target, five hours old
    updates.reply_as_agent(ticket.id, "Sorry for the wait", agent=make_agent(), by=CLI)
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.first_response_breached_at == ticket.first_response_due_at


def test_the_job_marks_breaches_once_and_tells_the_assignee(policies, make_agent):
    agent = make_agent(email="bea@example.com")
    late = make_ticket(1)
    updates.update_ticket(late.id, {"assignee_id": agent.id}, expected_version=1, by=CLI)
    backdate(db.session.get(Ticket, late.id), 300)
    on_time = make_ticket(2)
    assert targets.mark_breaches() == 1
    assert targets.mark_breaches() == 0  # marked once
    late = db.session.get(Ticket, late.id)
    assert late.first_response_breached_at is not None and late.resolution_breached_at is None
    assert db.session.get(Ticket, on_time.id).first_response_breached_at is None
    event = db.session.scalar(db.select(TicketEvent).where(TicketEvent.ticket_id == late.id,
                                                           TicketEvent.field == "sla"))
    assert event.new_value == "first response breached" and event.actor_type == "system"
    email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.kind == "sla_breach"))
    assert email.to_address == "bea@example.com" and f"#{late.id}" in email.subject


def test_the_sla_view_lists_breached_and_due_soon_by_deadline(policies, make_agent):
    agent = make_agent()
    relaxed = make_ticket(1)  # due in four hours: not yet in the view
    soon = backdate(make_ticket(2), 200)  # due in 40 minutes
    breached = backdate(make_ticket(3), 250)  # due 10 minutes ago
    rows = lists.list_tickets("sla", agent.id).rows
    assert [r.ticket.id for r in rows] == [breached.id, soon.id]
    assert [r.clock.state for r in rows] == ["breached", "due_soon"]
    assert relaxed.id not in [r.ticket.id for r in rows]


def test_due_order_pages_through_tickets_without_a_deadline_last(policies, make_agent):
    agent = make_agent()
    with_deadline = [make_ticket(n) for n in range(3)]
    settings.delete_policy(policies["standard"].id, by=CLI)  # later tickets get no policy
    without = [make_ticket(n) for n in range(3, 6)]
    seen, cursor = [], None
    while True:
        page = lists.list_tickets("open", agent.id, filters=lists.Filters(sort="due"), after=cursor,
                                         limit=2)
        seen += [r.ticket.id for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [t.id for t in with_deadline] + [t.id for t in without]


def test_without_a_policy_nothing_is_due(app):
    ticket = make_ticket(1)
    assert ticket.sla_policy_id is None and ticket.sla_due_at is None


def test_bad_policies_and_calendars_are_refused(app):
    with pytest.raises(DomainError, match="Set a first-response target"):
        settings.save_policy(PolicySpec("Nothing"), by=CLI)
    with pytest.raises(DomainError, match="cannot be shorter"):
        settings.save_policy(PolicySpec("Odd", first_response_minutes=60, resolution_minutes=30), by=CLI)
    with pytest.raises(DomainError, match="Unknown stages"):
        settings.save_policy(PolicySpec("Odd", stages=["gold"], first_response_minutes=60), by=CLI)
    with pytest.raises(DomainError, match="time zone"):
        settings.save_calendar("Mars/Olympus", ALWAYS, "", by=CLI)
    with pytest.raises(DomainError, match="at least one day"):
        settings.save_calendar("UTC", {}, "", by=CLI)
    with pytest.raises(DomainError, match="closes after it opens"):
        settings.save_calendar("UTC", {"mon": ("17:00", "09:00")}, "", by=CLI)
    with pytest.raises(DomainError, match="Line 2"):
        settings.save_calendar("UTC", ALWAYS, "2026-12-25 Christmas\n25/12/2026", by=CLI)
