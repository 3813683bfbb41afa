"""Full-text search over subjects and messages (notes included: agents only), kept in step with
every write, on SQLite (FTS5) and PostgreSQL (GIN); lifecycle views; the list page's search box."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Cart, Customer
from app.services import customer_privacy
from app.services.platform.audit import CLI
from app.services.tickets import lists, search, updates
from tests.factories import make_ticket


def found(query: str) -> list[int]:
    return [hit.ticket_id for hit in search.search(query)]


def test_search_finds_subjects_messages_and_notes_and_follows_every_write(any_app, make_agent):
    agent = make_agent(name="Bea")
    kettle = make_ticket(subject="Dented kettle", body="The gooseneck kettle arrived dented.")
    mug = make_ticket(subject="Broken mug", body="My café mug came in pieces.")
    assert found("kettle") == [kettle.id]
    assert found("gooseneck dented") == [kettle.id]  # every word
    assert found("goose") == [kettle.id]  # the last word as a prefix
    # SQLite folds accents; PostgreSQL's 'simple' configuration finds the word as written.
    assert found("café") == [mug.id]
    assert found("cafe") == ([mug.id] if db.engine.dialect.name == "sqlite" else [])
    updates.reply_as_agent(mug.id, "Courier confirmed the breakage", agent=agent, internal=True, by=CLI)
    assert found("courier") == [mug.id]
    hit = search.search("courier")[0]
    assert search.HIT_START in hit.snippet and "Courier" in hit.snippet
    assert found('" OR * NEAR(') == [] and found("") == []  # query syntax cannot get in
    customer_privacy.erase_customer(mug.requester_id, by=CLI)
    assert found("courier") == [] and found("mug") == []  # blanked text is not findable


def test_lifecycle_views_and_search_in_the_list(app, make_agent, client, auth):
    agent = make_agent()
    loyal, buying, other = (make_ticket(n, body="Where is my parcel?") for n in range(3))
    for ticket, stage in ((loyal, "loyalty"), (buying, "conversion"), (other, "conversion")):
        db.session.get(Customer, ticket.requester_id).stage = stage
    db.session.add(Cart(customer_id=buying.requester_id, items=[{"sku": "A"}], item_count=1, currency="EUR",
                        total=Decimal("120"), updated_at=datetime.now(UTC), event_id="e1"))
    db.session.commit()
    ids = lambda view, **kw: [r.ticket.id for r in lists.list_tickets(  # noqa: E731
        view, agent.id, filters=lists.Filters(**kw)).rows]
    assert ids("loyalty") == [loyal.id]
    assert ids("conversion_cart") == [buying.id]
    assert lists.view_counts(agent.id)["conversion_cart"] == 1
    assert ids("all", query="parcel") == [other.id, buying.id, loyal.id]
    assert ids("loyalty", query="parcel") == [loyal.id]

    auth.login(agent.email)
    page = client.get("/console/tickets?view=all&q=parcel").get_data(as_text=True)
    assert "<mark>parcel</mark>" in page and "matching “parcel”" in page
    page = client.get("/console/tickets?view=all&q=%3Cscript%3E").get_data(as_text=True)
    assert "<script>" not in page.split("</header>", 1)[1].split("<script src")[0]


@pytest.mark.postgres
def test_postgres_falls_back_to_the_index_when_the_newest_first_walk_is_slow(pg_app, monkeypatch):
    kettle = make_ticket(subject="Dented kettle", body="The gooseneck kettle arrived dented.")
    make_ticket(subject="Lost parcel", body="Nothing arrived.")
    assert found("gooseneck") == [kettle.id]  # the walk answers
    assert db.session.scalar(db.text("SHOW statement_timeout")) == "0"  # and leaves no setting behind
    # A walk that would outlast its time (a rare word over millions of rows): cancelled, the index answers.
    monkeypatch.setattr(search, "WALK_MS", 50)
    monkeypatch.setattr(search, "_NEWEST", "SELECT id FROM {table}, pg_sleep(1), to_tsquery('simple', :q) q "
                        "WHERE to_tsvector('simple', {column}) @@ q ORDER BY id DESC LIMIT :n")
    assert found("gooseneck") == [kettle.id] and found("dented") == [kettle.id]
    assert db.session.scalar(db.text("SHOW statement_timeout")) == "0"  # the walk's settings went with it
    assert db.session.scalar(db.text("SHOW enable_bitmapscan")) == "on"
