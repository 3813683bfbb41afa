"""Settings › SLA: admins only, policies saved and ordered, the calendar with its errors kept in
the form; the ticket page and the list show the targets."""

from __future__ import annotations

from app.extensions import db
from app.models import BusinessCalendar, SlaPolicy
from tests.factories import make_ticket


def test_agents_cannot_open_sla_settings(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    assert client.get("/console/settings/sla").status_code == 403
    assert client.get("/console/settings/sla/new").status_code == 403


def test_admin_sets_hours_and_policies_and_tickets_show_their_targets(client, admin, post_form):
    page = "/console/settings/sla"
    assert client.get(page).status_code == 200
    week = {f"{day}_open": "1" for day in ("mon", "tue", "wed", "thu", "fri")}
    hours = {**week, **{f"{d}_start": "09:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
             **{f"{d}_end": "17:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    bad = post_form(f"{page}/calendar", {**hours, "timezone": "Europe/Amsterdam", "holidays": "soon"}, page=page)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    assert ">soon</textarea>" in bad.get_data(as_text=True)  # what was typed is kept
    ok = post_form(f"{page}/calendar", {**hours, "timezone": "Europe/Amsterdam", "holidays": "2026-12-25 Xmas"},
                   page=page)
    assert ok.status_code == 302
    calendar = db.session.scalar(db.select(BusinessCalendar))
    assert calendar.hours["mon"] == ["09:00", "17:00"] and "sat" not in calendar.hours
    assert calendar.holidays == ["2026-12-25 Xmas"]

    new = f"{page}/new"
    empty = post_form(new, {"name": "Nothing", "active": "y"}, page=new)
    assert empty.status_code == 400 and "Set a first-response target" in empty.get_data(as_text=True)
    assert post_form(new, {"name": "Standard", "active": "y", "first_response": "4", "resolution": "24"},
                     page=new).status_code == 302
    assert post_form(new, {"name": "VIP", "active": "y", "flags": ["vip"], "first_response": "0.5",
                           "resolution": "8"}, page=new).status_code == 302
    vip = db.session.scalar(db.select(SlaPolicy).where(SlaPolicy.name == "VIP"))
    assert vip.first_response_minutes == 30 and vip.resolution_minutes == 480
    assert post_form(f"{page}/{vip.id}/up", {}, page=page).status_code == 302
    assert [p.name for p in db.session.scalars(db.select(SlaPolicy).order_by(SlaPolicy.position))] == [
        "VIP", "Standard"]

    ticket = make_ticket(subject="Parcel?", body="Where is it?", email="c@example.com")
    shown = client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert "Service level" in shown and "Standard" in shown and "First response" in shown
    listed = client.get("/console/tickets?view=open").get_data(as_text=True)
    assert "badge--sla-" in listed
