"""The ticket list's filters, orders and saved views: filters narrow the view and survive paging,
an agent's saved views are theirs alone, saving a name again replaces it, bad filters get a 400."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import SavedView
from tests.factories import make_ticket


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket-row="(\d+)"', html)]


def test_filters_and_orders_narrow_the_view_and_survive_paging(client, agent_in):
    made = [make_ticket(n, priority="high" if n % 2 else "normal", channel="email" if n < 6 else "help_center")
            for n in range(60)]
    high = [t.id for t in made if t.priority == "high"]
    page = client.get("/console/tickets?view=all&priority=high&sort=created_asc").get_data(as_text=True)
    assert row_ids(page) == sorted(high)
    email_high = client.get("/console/tickets?view=all&priority=high&channel=email").get_data(as_text=True)
    assert sorted(row_ids(email_high)) == [t.id for t in made if t.priority == "high" and t.channel == "email"]
    everything = client.get("/console/tickets?view=all&sort=created_asc").get_data(as_text=True)
    assert row_ids(everything) == [t.id for t in made][:50]
    next_link = re.search(r'href="([^"]*after=[^"]*)"', everything).group(1).replace("&amp;", "&")
    assert "sort=created_asc" in next_link
    assert row_ids(client.get(next_link).get_data(as_text=True)) == [t.id for t in made][50:]


def test_bad_filters_get_a_clear_400(client, agent_in):
    for query in ("priority=extreme", "channel=fax", "group=999", "sort=sideways", "view=solved&sort=due"):
        response = client.get(f"/console/tickets?view=all&{query}")
        assert response.status_code == 400, query
    assert "must be one of low, normal" in client.get("/console/tickets?priority=extreme").get_data(as_text=True)


def test_saved_views_are_the_agents_own(client, agent_in, make_agent, auth, post_form):
    make_ticket(1, priority="urgent")
    make_ticket(2)
    listing = "/console/tickets?view=open&priority=urgent"
    html = client.get(listing).get_data(as_text=True)
    assert "Save these filters as a view" in html
    saved = post_form("/console/tickets/saved-views", {"name": "Urgent ones", "view": "open", "priority": "urgent"},
                      page=listing)
    assert saved.status_code == 302
    view = db.session.scalar(db.select(SavedView))
    assert view.filters == {"priority": "urgent"} and view.base_view == "open"
    shown = client.get(f"/console/tickets?saved={view.id}").get_data(as_text=True)
    assert "Urgent ones" in shown and len(row_ids(shown)) == 1
    # The same name again replaces the filters: no second view.
    post_form("/console/tickets/saved-views", {"name": "Urgent ones", "view": "open", "priority": "normal"},
              page=listing)
    assert db.session.scalar(db.select(db.func.count(SavedView.id))) == 1
    assert db.session.get(SavedView, view.id).filters == {"priority": "normal"}
    blank = post_form("/console/tickets/saved-views", {"name": " ", "view": "open"}, page=listing)
    assert blank.status_code == 302 and db.session.scalar(db.select(db.func.count(SavedView.id))) == 1

    auth.logout()
    auth.login(make_agent(name="Cem").email)
    assert client.get(f"/console/tickets?saved={view.id}").status_code == 404
    assert client.get("/console/tickets?saved=abc").status_code == 404
    post_form(f"/console/tickets/saved-views/{view.id}/delete", {}, page="/console/tickets")
    assert db.session.get(SavedView, view.id) is not None  # not theirs to delete
    auth.logout()
    auth.login(agent_in.email)
    post_form(f"/console/tickets/saved-views/{view.id}/delete", {}, page="/console/tickets")
    assert db.session.get(SavedView, view.id) is None
