"""Bulk updates: each ticket changed as a single update is (checks, one audit entry per changed
field, a version more), all in one transaction; bad input, unknown ids, too many and conflicts
change nothing; the list's bulk bar (CSRF, select all without JavaScript, the flash, the 409)."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Ticket, TicketEvent
from app.services.errors import DomainError
from app.services.platform.audit import CLI
from app.services.tickets import bulk, groups, intake, merge, updates
from app.services.tickets.bulk import BulkConflictError, UnknownTicketsError
from tests.factories import make_ticket
from tests.support.html import csrf_from


def trail(ticket_id: int) -> list[tuple]:
    return [(e.field, e.old_value, e.new_value, e.version) for e in db.session.scalars(
        db.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))]


def state() -> list[tuple]:
    """Every ticket's changeable fields and tags, and the size of the audit trail."""
    db.session.expire_all()
    rows = [(t.id, t.status, t.priority, t.assignee_id, t.group_id, t.version, updates.current_tags(t.id))
            for t in db.session.scalars(db.select(Ticket).order_by(Ticket.id))]
    return rows + [db.session.scalar(db.select(db.func.count(TicketEvent.id)))]


# --- the service -----------------------------------------------------------------------------


def test_each_ticket_is_changed_and_audited_as_a_single_update(app, make_agent):
    agent = make_agent(name="Bea")
    group = groups.save_group("Billing", [], by=CLI)
    first, second = make_ticket(1, tags=("old", "refund")), make_ticket(2)
    same = make_ticket(3)
    updates.update_ticket(same.id, {"status": "open", "priority": "high", "assignee_id": agent.id,
                                           "group_id": group.id, "tags": ["vip"]}, expected_version=1, by=CLI)
    result = bulk.bulk_update([first.id, second.id, same.id], {
        "status": "open", "priority": "high", "assignee_id": agent.id, "group_id": group.id,
        "add_tags": ["VIP"], "remove_tags": ["old"]}, by=CLI)
    assert (result.updated, result.unchanged, result.merged) == ((first.id, second.id), (same.id,), ())
    for ticket in (first, second):
        ticket = intake.get_ticket(ticket.id)
        assert (ticket.status, ticket.priority, ticket.assignee_id, ticket.group_id, ticket.version) == (
            "open", "high", agent.id, group.id, 2)
    assert trail(first.id)[1:] == [("status", "new", "open", 2), ("priority", "normal", "high", 2),
                                   ("assignee_id", None, "Bea", 2), ("group_id", None, "Billing", 2),
                                   ("tags", "old, refund", "refund, vip", 2)]
    assert updates.current_tags(second.id) == ("vip",)
    assert intake.get_ticket(same.id).version == 2  # unchanged: no version, no entry
    events = db.session.scalars(db.select(TicketEvent).where(TicketEvent.ticket_id == first.id,
                                                             TicketEvent.field != "created"))
    assert {e.details["bulk"] for e in events} == {3}
    # Unassigning and removing the group: None.
    bulk.bulk_update([first.id], {"assignee_id": None, "group_id": None}, by=CLI)
    assert trail(first.id)[-2:] == [("assignee_id", "Bea", None, 3), ("group_id", "Billing", None, 3)]


@pytest.mark.parametrize(("ids", "changes", "message"), [
    ([], {"status": "open"}, "Select at least one ticket"),
    (list(range(1, 202)), {"status": "open"}, "at most 200 tickets at a time (201 were selected)"),
    ("ticket", {"status": "open"}, "selected by their numbers"),
    ([1], {}, "Choose something to change"),
    ([1], {"add_tags": [" "]}, "Choose something to change"),
    ([1], {"type": "task"}, "cannot be changed in bulk: type"),
    ([1], {"status": "done"}, "Status must be one of"),
    ([1], {"priority": "asap"}, "Priority must be one of"),
    ([1], {"assignee_id": 999}, "Choose an active agent"),
    ([1], {"group_id": 999}, "Choose an existing group"),
    ([1], {"add_tags": ["no spaces!"]}, "is not a tag"),
])
def test_bad_input_is_refused_and_changes_nothing(app, ids, changes, message):
    make_ticket(1), make_ticket(2)
    before = state()
    with pytest.raises(DomainError, match=re.escape(message)) as raised:
        bulk.bulk_update(ids, changes, by=CLI)
    assert raised.value.status == 400
    assert state() == before


def test_unknown_ids_are_reported_and_nothing_is_changed(app):
    known = make_ticket(1)
    before = state()
    with pytest.raises(UnknownTicketsError) as raised:
        bulk.bulk_update([known.id, 998, 999], {"status": "pending"}, by=CLI)
    assert raised.value.missing == (998, 999) and raised.value.status == 404
    assert "#998, #999" in raised.value.message and state() == before


def test_one_ticket_that_cannot_take_the_change_stops_them_all(app):
    fine = make_ticket(1)
    full = make_ticket(2, tags=tuple(f"t{n}" for n in range(20)))
    before = state()
    with pytest.raises(DomainError, match=f"#{full.id} would have 21 tags"):
        bulk.bulk_update([fine.id, full.id], {"status": "open", "add_tags": ["extra"]}, by=CLI)
    assert state() == before  # the first ticket's change was rolled back with the rest


def test_a_field_changed_since_the_list_was_loaded_is_a_conflict(app, make_agent):
    omar = make_agent(name="Omar")
    ticket, other = make_ticket(1), make_ticket(2)
    updates.update_ticket(ticket.id, {"assignee_id": omar.id}, expected_version=1, by=CLI)
    before = state()
    with pytest.raises(BulkConflictError) as raised:
        bulk.bulk_update([ticket.id, other.id], {"assignee_id": None}, by=CLI,
                                expected_versions={ticket.id: 1, other.id: 1})
    (change,) = raised.value.changes[ticket.id]
    assert (change.field, change.new_value) == ("assignee_id", "Omar") and raised.value.status == 409
    assert list(raised.value.changes) == [ticket.id] and state() == before
    # A change to a field this update does not set is no conflict: it goes on top.
    result = bulk.bulk_update([ticket.id, other.id], {"priority": "low"}, by=CLI,
                                     expected_versions={ticket.id: 1, other.id: 1})
    assert result.updated == (ticket.id, other.id)
    assert intake.get_ticket(ticket.id).assignee_id == omar.id


def test_merged_tickets_are_left_as_they_were(app):
    source, target = make_ticket(1, email="same@example.com"), make_ticket(2, email="same@example.com")
    merge.merge_tickets(source.id, target.id, by=CLI)
    result = bulk.bulk_update([source.id, target.id], {"status": "pending"}, by=CLI)
    assert (result.updated, result.merged) == ((target.id,), (source.id,))
    assert intake.get_ticket(source.id).status == "closed"
    with pytest.raises(DomainError, match=f"merged into #{target.id}"):
        updates.update_ticket(source.id, {"status": "open"}, expected_version=2, by=CLI)


# --- the list's bulk bar ---------------------------------------------------------------------


def test_the_list_has_labelled_checkboxes_and_the_bulk_bar(client, agent_in):
    ticket = make_ticket(1)
    html = client.get("/console/tickets?view=all").get_data(as_text=True)
    assert f'name="tickets" value="{ticket.id}:1" id="select-{ticket.id}"' in html
    assert f'<label class="visually-hidden" for="select-{ticket.id}">Select #{ticket.id} Question 1</label>' in html
    assert '<label class="visually-hidden" for="select-all">Select all on this page</label>' in html
    assert 'action="/console/tickets/bulk?view=all"' in html and 'name="csrf_token"' in html
    for label in ("Assignee", "Status", "Priority", "Group", "Add tags", "Remove tags"):
        assert f">{label}</label>" in html
    assert "js/ticket_list.js" in html and ">Apply</button>" in html


def test_bulk_update_from_the_list_goes_back_to_the_same_view(client, agent_in):
    ids = [make_ticket(n, tags=("refund",)).id for n in range(1, 4)]
    page = "/console/tickets?view=all&tag=refund"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post("/console/tickets/bulk?view=all&tag=refund", data={
        "csrf_token": token, "tickets": [f"{n}:1" for n in ids[:2]], "assignee_id": str(agent_in.id),
        "status": "open", "priority": "", "group_id": "", "add_tags": "vip", "remove_tags": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/console/tickets?view=all&tag=refund"
    assert "2 tickets updated." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert [intake.get_ticket(n).assignee_id for n in ids] == [agent_in.id, agent_in.id, None]
    assert trail(ids[0])[-1][0] == "tags" and trail(ids[2])[-1][0] == "created"


def test_select_all_on_this_page_works_without_javascript(client, agent_in):
    ids = [make_ticket(n).id for n in range(1, 4)]
    token = csrf_from(client.get("/console/tickets?view=all").get_data(as_text=True))
    response = client.post("/console/tickets/bulk?view=all", data={
        "csrf_token": token, "all_on_page": "y", "on_page": [f"{n}:1" for n in ids], "priority": "urgent"})
    assert response.status_code == 302
    assert {intake.get_ticket(n).priority for n in ids} == {"urgent"}


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"status": "open"}, 400, "Select at least one ticket first."),
    ({"tickets": ["1:1"]}, 400, "Choose something to change"),
    ({"tickets": ["1:1", "998:1"], "status": "open"}, 404, "No such ticket: #998. Nothing was changed."),
    ({"tickets": [f"{n}:1" for n in range(1, 202)], "status": "open"}, 400, "at most 200 tickets at a time"),
    ({"tickets": ["1:x"], "status": "open"}, 400, "That selection is not valid"),
    ({"tickets": ["1:1"], "status": "done"}, 400, "Not a valid choice"),
    ({"tickets": ["1:1"], "assignee_id": "12345"}, 400, "Not a valid choice"),
])
def test_bad_bulk_posts_get_clear_errors_and_change_nothing(client, agent_in, data, status, message):
    make_ticket(1)
    token = csrf_from(client.get("/console/tickets?view=all").get_data(as_text=True))
    before = state()
    response = client.post("/console/tickets/bulk?view=all", data={"csrf_token": token, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == status and message in html.replace("&#39;", "'")
    assert 'role="alert"' in html and state() == before


def test_bulk_posts_need_a_signed_in_agent_and_the_csrf_token(client, make_agent, auth):
    ticket = make_ticket(1)
    data = {"tickets": [f"{ticket.id}:1"], "status": "solved"}
    signed_out = client.post("/console/tickets/bulk", data={**data, "csrf_token": auth.csrf()})
    assert signed_out.status_code == 302 and "/console/login" in signed_out.headers["Location"]
    auth.login(make_agent().email)
    assert client.post("/console/tickets/bulk", data=data).status_code == 400  # no CSRF token
    assert intake.get_ticket(ticket.id).status == "new"


def test_a_stale_list_gets_a_409_listing_the_changes_and_applying_again_goes_on_top(client, agent_in):
    ticket, other = make_ticket(1), make_ticket(2)
    token = csrf_from(client.get("/console/tickets?view=all").get_data(as_text=True))
    updates.update_ticket(ticket.id, {"status": "pending"}, expected_version=1, by=CLI)  # meanwhile
    data = {"csrf_token": token, "tickets": [f"{ticket.id}:1", f"{other.id}:1"], "status": "solved"}
    response = client.post("/console/tickets/bulk?view=all", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "1 of the selected tickets was changed by someone else" in html
    assert "command line changed status from New to Pending" in html
    assert intake.get_ticket(other.id).status == "new"  # nothing saved
    # The selection is kept, now at the current versions: applying again goes on top.
    assert f'value="{ticket.id}:2" id="select-{ticket.id}" data-select-row checked' in html
    again = client.post("/console/tickets/bulk?view=all", data={**data, "tickets": [f"{ticket.id}:2",
                                                                                   f"{other.id}:1"]})
    assert again.status_code == 302
    assert {intake.get_ticket(n).status for n in (ticket.id, other.id)} == {"solved"}
