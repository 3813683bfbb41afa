"""Merging tickets: the thread (timestamps kept, in id order) and tags move, notes and audit in
both, the source closed and pointing to the target; refusals change nothing; a retry is a no-op;
search, My requests and email replies follow the merge; the console's review and confirmation."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from app.extensions import db
from app.models import OutboxEmail, Ticket, TicketEvent, TicketMessage
from app.services import customer_privacy
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.platform import reply_tokens
from app.services.platform.audit import CLI, Actor
from app.services.tickets import intake, lists, merge, search, updates
from app.services.tickets.email import inbound
from app.services.tickets.merge import DifferentRequestersError
from tests.factories import make_ticket
from tests.support.html import csrf_from

LINK = re.compile(r"http://[^/\s]+(/help/sign-in/[\w-]+)")


def thread(ticket_id: int) -> list[TicketMessage]:
    db.session.expire_all()
    return [entry.message for entry in lists.ticket_view(ticket_id).thread]


def trail(ticket_id: int) -> list[tuple]:
    return [(e.field, e.old_value, e.new_value) for e in db.session.scalars(
        db.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))]


def snapshot() -> list:
    db.session.expire_all()
    return ([(t.id, t.status, t.version, t.merged_into_id) for t in db.session.scalars(db.select(Ticket))]
            + [(m.id, m.ticket_id) for m in db.session.scalars(db.select(TicketMessage))]
            + [db.session.scalar(db.select(db.func.count(TicketEvent.id)))])


@pytest.fixture
def pair(app):
    """Two tickets of one customer: the earlier one (source) and its duplicate (target)."""
    source = make_ticket(subject="Kettle arrived dented", body="The gooseneck kettle is dented.", tags=("damaged",))
    target = make_ticket(subject="Where is my refund?", body="I sent the kettle back.", tags=("refund",))
    updates.reply_as_customer(source.id, "Photos attached.", channel="web", by=CLI)
    return source, target


# --- the service -----------------------------------------------------------------------------


def test_a_merge_moves_the_thread_and_tags_leaves_notes_and_audits_both(pair, make_agent):
    source, target = pair
    agent = make_agent(name="Bea")
    stamps = {m.id: m.created_at for m in thread(source.id)}
    merged = merge.merge_tickets(source.id, target.id, by=Actor.agent(agent))
    assert merged.id == target.id
    messages = thread(target.id)
    # In id order: the order they were stored in, the merge note last; timestamps kept.
    assert [m.body for m in messages] == ["The gooseneck kettle is dented.", "I sent the kettle back.",
                                          "Photos attached.", messages[-1].body]
    assert [m.id for m in messages] == sorted(m.id for m in messages)
    assert {m.id: m.created_at for m in messages if m.id in stamps} == stamps
    assert {m.merged_from_id for m in messages if m.id in stamps} == {source.id}
    note = messages[-1]
    assert note.body.startswith(f"Merged #{source.id} into #{target.id}") and note.internal
    assert (note.author_type, note.author_agent_id) == ("system", agent.id)
    (left,) = thread(source.id)
    assert left.body.startswith(f"Merged #{source.id} into #{target.id}") and left.internal
    assert lists.ticket_view(target.id).tags == ["damaged", "refund"]

    source, target = intake.get_ticket(source.id), intake.get_ticket(target.id)
    assert (source.status, source.merged_into_id, source.version) == ("closed", target.id, 3)
    assert (target.status, target.merged_into_id, target.version) == ("new", None, 2)
    assert trail(source.id)[-2:] == [("status", "new", "closed"), ("merged_into", None, f"#{target.id}")]
    assert trail(target.id)[1:] == [("tags", "refund", "damaged, refund"), ("merged_from", None, f"#{source.id}")]
    assert {e.actor_label for e in db.session.scalars(db.select(TicketEvent).where(
        TicketEvent.field.in_(("merged_into", "merged_from"))))} == {agent.email}


def test_a_retried_merge_returns_the_target_and_does_nothing_twice(pair):
    source, target = pair
    merge.merge_tickets(source.id, target.id, by=CLI)
    before = snapshot()
    assert merge.merge_tickets(source.id, target.id, by=CLI).id == target.id
    assert snapshot() == before


def test_refused_merges_say_why_and_change_nothing(pair):
    source, target = pair
    other = make_ticket(subject="Another", body="Something else", email="omar@example.com")
    closed = make_ticket(subject="Old one", body="Long done")
    updates.update_ticket(closed.id, {"status": "closed"}, expected_version=1, by=CLI)
    before = snapshot()
    cases = [
        ((source.id, source.id), DomainError, 400, "cannot be merged into itself"),
        ((source.id, 999), NotFoundError, 404, "There is no ticket #999."),
        ((999, target.id), NotFoundError, 404, "There is no ticket #999."),
        ((source.id, closed.id), ConflictError, 409, f"#{closed.id} is closed"),
        ((closed.id, target.id), ConflictError, 409, f"#{closed.id} is closed"),
        ((source.id, other.id), DifferentRequestersError, 409, "different customers' requests"),
    ]
    for (from_id, into_id), error, status, message in cases:
        with pytest.raises(error, match=re.escape(message)) as raised:
            merge.merge_tickets(from_id, into_id, by=CLI)
        assert raised.value.status == status
        assert snapshot() == before, message
    merge.merge_tickets(source.id, target.id, by=CLI)
    with pytest.raises(ConflictError, match=f"#{source.id} was merged into #{target.id} already"):
        merge.merge_tickets(source.id, other.id, by=CLI, different_requesters_ok=True)
    with pytest.raises(ConflictError, match=f"#{source.id} was merged into #{target.id}: merge into #{target.id}"):
        merge.merge_tickets(other.id, source.id, by=CLI, different_requesters_ok=True)


def test_tags_beyond_the_limit_refuse_the_merge(app):
    source = make_ticket(subject="A", body="a", tags=tuple(f"s{n}" for n in range(11)))
    target = make_ticket(subject="B", body="b", tags=tuple(f"t{n}" for n in range(10)))
    before = snapshot()
    with pytest.raises(DomainError, match=f"#{target.id} would have 21 tags"):
        merge.merge_tickets(source.id, target.id, by=CLI)
    assert snapshot() == before


def test_merging_the_target_later_repoints_its_sources(app):
    first, second, third = (make_ticket(subject=f"T{n}", body=f"body {n}") for n in range(3))
    merge.merge_tickets(first.id, second.id, by=CLI)
    merge.merge_tickets(second.id, third.id, by=CLI)
    assert intake.get_ticket(first.id).merged_into_id == third.id
    assert trail(first.id)[-1] == ("merged_into", f"#{second.id}", f"#{third.id}")
    bodies = {m.body: m.merged_from_id for m in thread(third.id) if not m.internal}
    assert bodies == {"body 0": first.id, "body 1": second.id, "body 2": None}  # where each was written


def test_search_finds_moved_messages_in_the_target(any_app):
    source = make_ticket(subject="Kettle arrived dented", body="The gooseneck kettle is dented.")
    target = make_ticket(subject="Where is my refund?", body="I sent it back.")
    assert [hit.ticket_id for hit in search.search("gooseneck")] == [source.id]
    merge.merge_tickets(source.id, target.id, by=CLI)
    assert [hit.ticket_id for hit in search.search("gooseneck")] == [target.id]
    assert [hit.ticket_id for hit in search.search("dented")] == [target.id, source.id]  # its subject stays
    assert target.id in [hit.ticket_id for hit in search.search("merged")]  # the note, like any note


def test_erasing_the_source_customer_blanks_what_they_wrote_in_the_target(app):
    source = make_ticket(subject="Mine", body="My address is 1 Long Lane.", email="ines@example.com")
    target = make_ticket(subject="Theirs", body="Their own words.", email="omar@example.com")
    merge.merge_tickets(source.id, target.id, by=CLI, different_requesters_ok=True)
    customer_privacy.erase_customer(source.requester_id, by=CLI)
    bodies = [m.body for m in thread(target.id) if not m.internal]
    assert "My address is 1 Long Lane." not in bodies and "Their own words." in bodies


# --- customers and email ---------------------------------------------------------------------


def follow(client, email: OutboxEmail):
    path = LINK.search(email.text_body).group(1)
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def acknowledgement(ticket_id: int) -> OutboxEmail:
    return db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.kind == "ticket_received",
                                                          OutboxEmail.ticket_id == ticket_id))


def test_my_requests_sends_the_customer_to_the_target(client, pair):
    source, target = pair
    merge.merge_tickets(source.id, target.id, by=CLI)
    landed = follow(client, acknowledgement(source.id))  # the link in the source's email
    assert landed.headers["Location"] == f"/help/requests/{source.id}"
    opened = client.get(f"/help/requests/{source.id}")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/help/requests/{target.id}"
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "The gooseneck kettle is dented." in page and "Merged #" not in page  # notes stay internal
    listed = client.get("/help/requests").get_data(as_text=True)
    assert f"/help/requests/{target.id}" in listed and f"/help/requests/{source.id}\"" not in listed
    # A reply sent from the old page lands in the target.
    data = {"csrf_token": csrf_from(page), "client_key": "k1", "body": "Any news?"}
    answered = client.post(f"/help/requests/{source.id}/reply", data=data)
    assert answered.headers["Location"].startswith(f"/help/requests/{target.id}")
    assert thread(target.id)[-1].body == "Any news?"


def test_across_requesters_the_sources_customer_reads_the_target_and_nobody_else(client, app):
    source = make_ticket(subject="Mine", body="My words.", email="ines@example.com")
    target = make_ticket(subject="Theirs", body="Their words.", email="omar@example.com")
    stranger = make_ticket(subject="Unrelated", body="Nothing to do with it.", email="zoe@example.com")
    merge.merge_tickets(source.id, target.id, by=CLI, different_requesters_ok=True)
    follow(client, acknowledgement(source.id))
    assert client.get(f"/help/requests/{source.id}").headers["Location"] == f"/help/requests/{target.id}"
    assert "Their words." in client.get(f"/help/requests/{target.id}").get_data(as_text=True)
    assert client.get(f"/help/requests/{stranger.id}").status_code == 404
    client.post("/help/sign-out", data={"csrf_token": csrf_from(client.get("/help/requests").get_data(as_text=True))})
    follow(client, acknowledgement(target.id))  # the target's customer cannot open the source
    assert client.get(f"/help/requests/{source.id}").status_code == 404


def raw_reply(to: str, text: str, sender: str = "ines@example.com") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = f"Ines <{sender}>", to, "Re: Kettle arrived dented"
    message["Message-ID"] = f"<{abs(hash(text))}@mail.example.com>"
    message.set_content(text)
    return message.as_bytes()


def test_email_replies_threaded_to_the_source_land_in_the_target(pair):
    source, target = pair
    merge.merge_tickets(source.id, target.id, by=CLI)
    raw = raw_reply(reply_tokens.reply_address(source.id), "Still dented, by the way.")
    received = inbound.receive(raw)
    assert (received.ticket_id, received.outcome) == (target.id, "replied")
    assert thread(target.id)[-1].body == "Still dented, by the way."
    assert inbound.receive(raw).outcome == "duplicate"
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 2  # no follow-up for the closed source


# --- the console -----------------------------------------------------------------------------


def test_merge_from_the_ticket_page_with_a_review_and_a_confirmation(client, agent_in):
    source = make_ticket(subject="Kettle arrived dented", body="Dented.", email="ines@example.com")
    target = make_ticket(subject="Where is my refund?", body="Refund?", email="omar@example.com")
    page = client.get(f"/console/tickets/{source.id}").get_data(as_text=True)
    assert f'action="/console/tickets/{source.id}/merge"' in page and ">Merge into ticket number</label>" in page
    review = client.get(f"/console/tickets/{source.id}/merge?into={target.id}")
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    for text in ("Kettle arrived dented", "Where is my refund?", "ines@example.com", "omar@example.com",
                 "different customers", f"Merge #{source.id} into #{target.id}</button>"):
        assert text in html.replace("&#39;", "'"), text
    data = {"csrf_token": csrf_from(html), "into": str(target.id)}
    before = snapshot()
    assert client.post(f"/console/tickets/{source.id}/merge", data={"into": str(target.id)}).status_code == 400
    unconfirmed = client.post(f"/console/tickets/{source.id}/merge", data=data)
    assert unconfirmed.status_code == 409 and "confirm to merge them anyway" in unconfirmed.get_data(as_text=True)
    assert snapshot() == before
    done = client.post(f"/console/tickets/{source.id}/merge", data={**data, "different_requesters_ok": "y"})
    assert done.status_code == 302 and done.headers["Location"] == f"/console/tickets/{target.id}"
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Merged #{source.id} into #{target.id}." in shown
    assert f'from <a href="/console/tickets/{source.id}"' in shown
    old = client.get(f"/console/tickets/{source.id}").get_data(as_text=True)
    assert "data-merged" in old and "merged this ticket into" in old and "Review merge" not in old
    again = client.post(f"/console/tickets/{source.id}/merge", data={**data, "different_requesters_ok": "y"})
    assert again.status_code == 302  # a double submit: the same target, nothing twice
    assert len([m for m in thread(target.id) if m.internal]) == 1


@pytest.mark.parametrize(("into", "status", "message"), [
    ("self", 400, "cannot be merged into itself"),
    ("999", 404, "There is no ticket #999."),
    ("", 400, "Enter the number of a ticket."),
    ("abc", 400, "Not a valid integer value."),
    ("closed", 409, "is closed: merge into a ticket that is not closed"),
])
def test_bad_merge_targets_get_clear_errors(client, agent_in, into, status, message):
    source = make_ticket(subject="Kettle", body="Dented.")
    closed = make_ticket(subject="Done", body="Long ago.")
    updates.update_ticket(closed.id, {"status": "closed"}, expected_version=1, by=CLI)
    into = {"self": str(source.id), "closed": str(closed.id)}.get(into, into)
    before = snapshot()
    review = client.get(f"/console/tickets/{source.id}/merge?into={into}")
    assert review.status_code == status and message in review.get_data(as_text=True)
    token = csrf_from(client.get(f"/console/tickets/{source.id}").get_data(as_text=True))
    if into.isdigit():
        posted = client.post(f"/console/tickets/{source.id}/merge", data={"csrf_token": token, "into": into})
        assert posted.status_code == status and message in posted.get_data(as_text=True)
    assert snapshot() == before
    assert client.get("/console/tickets/999/merge?into=1").status_code == 404
