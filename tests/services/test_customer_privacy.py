"""Exporting and erasing one customer: everything stored comes out, then everything goes."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import AnonymousVisitor, AuditEvent, Cart, Customer, CustomerEvent, Order, OrderItem, StageTransition
from app.services import customer_privacy
from app.services.customers import queries
from app.services.errors import NotFoundError
from app.services.platform import realtime
from app.services.platform.audit import Actor
from app.services.shop_events.ingestion import ingest_events
from tests.factories import make_customer, make_ticket
from tests.support.shop_events import KETTLE, MUG, TEA, order_placed

ADMIN = Actor("agent", 7, "admin@example.com", "203.0.113.9")


def _count(model, *criteria) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*criteria))


def test_export_holds_the_profile_every_order_event_transition_and_visitor_id(app):
    customer = make_customer("c-export", name="Ann Lee", email="ann@example.com", cart=(MUG,), orders=22)

    document = customer_privacy.export_customer(customer.id, by=ADMIN)

    assert json.loads(json.dumps(document)) == document  # plain JSON, nothing to coerce
    assert document["id"] == customer.id and document["customer_id"] == "c-export"
    assert (document["email"], document["name"]) == ("ann@example.com", "Ann Lee")
    assert len(document["orders"]) == 22  # all of them, not the profile's latest 20
    assert document["orders"][0]["items"][0] == {"sku": "MUG-BLUE", "name": "Blue enamel mug", "quantity": 2,
                                                 "unit_price": "12.50"}
    assert document["cart"]["total"] == "25.00" and document["cart"]["currency"] == "EUR"
    assert len(document["events"]) == 3 + 1 + 22
    assert {e["type"] for e in document["events"]} == {"page_viewed", "identify", "cart_updated", "order_placed"}
    assert len(document["anonymous_ids"]) == 1
    stages = [t["to_stage"] for t in document["stage_history"]]
    assert stages == ["reach", "acquisition", "conversion", "retention", "loyalty"]
    assert document["lead_source"]["utm_source"] == "google"
    assert document["exported_at"].endswith("+00:00")


def test_export_is_audited_without_personal_data(app):
    customer = make_customer(email="bo@example.com", name="Bo Berg")
    customer_privacy.export_customer(customer.id, by=ADMIN)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "customer.exported"))
    assert (event.target_type, event.target_id, event.actor_label) == ("customers", customer.id, "admin@example.com")
    assert "bo@example.com" not in json.dumps(event.details) and "Bo Berg" not in json.dumps(event.details)


def test_erase_deletes_everything_about_the_customer_and_nothing_else(app):
    gone = make_customer("c-gone", email="gone@example.com", name="Gone Person", cart=(MUG, TEA), orders=2)
    kept = make_customer("c-kept", email="kept@example.com", cart=(KETTLE,), orders=1)
    gone_id, anonymous_ids = gone.id, [v.anonymous_id for v in gone.visitors]

    counts = customer_privacy.erase_customer(gone_id, by=ADMIN)

    assert counts == {"events": 6, "carts": 1, "order_items": 4, "orders": 2, "stage_transitions": 4, "visitors": 1,
                      "connections": 0, "messages_blanked": 0, "ticket_messages_blanked": 0,
                      "survey_comments_blanked": 0, "ticket_attachments": 0}
    db.session.expire_all()
    with pytest.raises(NotFoundError):
        queries.get_customer(gone_id)
    assert _count(CustomerEvent, CustomerEvent.customer_id == gone_id) == 0
    assert _count(CustomerEvent, CustomerEvent.anonymous_id.in_(anonymous_ids)) == 0
    assert _count(CustomerEvent, CustomerEvent.external_customer_id == "c-gone") == 0
    assert _count(Cart, Cart.customer_id == gone_id) == 0
    assert _count(Order, Order.customer_id == gone_id) == 0
    assert _count(OrderItem) == 2  # the kept customer's order lines only
    assert _count(StageTransition, StageTransition.customer_id == gone_id) == 0
    assert _count(AnonymousVisitor, AnonymousVisitor.customer_id == gone_id) == 0
    assert db.session.get(Customer, kept.id).order_count == 1
    assert _count(CustomerEvent, CustomerEvent.customer_id == kept.id) == 5


def test_erase_leaves_only_an_anonymous_tombstone(app):
    customer = make_customer("c-tomb", email="tomb@example.com", name="Tom B", cart=(MUG,), orders=1)
    customer_privacy.erase_customer(customer.id, by=ADMIN)
    db.session.expire_all()
    row = db.session.get(Customer, customer.id)
    assert row.erased_at is not None
    # Every nullable column is cleared, whatever columns are added to the model later.
    for attribute in db.inspect(Customer).column_attrs:
        if attribute.columns[0].nullable and attribute.key != "erased_at":
            assert getattr(row, attribute.key) is None, attribute.key
    assert (row.traits, row.order_count, row.lifetime_value, row.stage, row.segment, row.flags) == (
        {}, 0, 0, "reach", "visitor", [])
    assert queries.list_customers(queries.CustomerFilter()).customers == []


def test_an_erased_id_is_never_given_to_the_next_customer(app):
    erased = make_customer(orders=1)
    customer_privacy.erase_customer(erased.id, by=ADMIN)
    assert make_customer().id != erased.id


def test_erase_is_audited_with_counts_only(app):
    customer = make_customer("c-audit", email="secret@example.com", name="Secret Name", orders=1)
    customer_privacy.erase_customer(customer.id, by=ADMIN)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "customer.erased"))
    row = json.dumps({c.name: str(getattr(event, c.name)) for c in AuditEvent.__table__.columns})
    assert event.target_type == "customers" and event.details["orders"] == 1
    for personal in ("secret@example.com", "Secret Name", "c-audit"):
        assert personal not in row


def test_erase_tells_watching_consoles_after_the_commit(app, monkeypatch):
    customer = make_customer()
    seen = []

    def record(customer_id, *, cart_changed):
        # Called after the commit: a fresh session already finds the customer gone.
        seen.append((customer_id, db.session.get(Customer, customer_id).erased_at is not None))

    monkeypatch.setattr(realtime, "customer_updated", record)
    customer_privacy.erase_customer(customer.id, by=ADMIN)
    assert seen == [(customer.id, True)]


def test_an_erased_customer_who_comes_back_starts_a_new_profile(app):
    customer = make_customer("c-again", orders=1)
    customer_privacy.erase_customer(customer.id, by=ADMIN)
    ingest_events([order_placed("c-again", "c-again-order-9", MUG)])
    again = db.session.scalar(db.select(Customer).where(Customer.external_id == "c-again"))
    assert again.id != customer.id and again.order_count == 1 and again.email is None


@pytest.mark.parametrize("use_case", [customer_privacy.export_customer, customer_privacy.erase_customer])
def test_unknown_customer_is_not_found_and_not_audited(app, use_case):
    with pytest.raises(NotFoundError):
        use_case(999, by=ADMIN)
    assert _count(AuditEvent, AuditEvent.action.like("customer.%")) == 0


@pytest.mark.parametrize("use_case", [customer_privacy.export_customer, customer_privacy.erase_customer])
def test_an_erased_customer_can_be_neither_exported_nor_erased_again(app, use_case):
    customer = make_customer()
    customer_privacy.erase_customer(customer.id, by=ADMIN)
    with pytest.raises(NotFoundError):
        use_case(customer.id, by=ADMIN)


def test_erase_keeps_conversations_but_nothing_said_in_them(app, make_agent):
    from app.models import Conversation, Message
    from app.services.access.visitor_tokens import Visitor
    from app.services.conversations import live_chat
    from app.services.conversations.live_chat import StartRequest
    from app.services.platform import presence

    agent, visitor = make_agent(), Visitor("anon-erase", "c-chat")
    conversation = live_chat.start_conversation(visitor, StartRequest(
        page_url="https://shop.test/cart", answers={"email": "chat@example.com"}))
    live_chat.send_visitor_message(visitor, conversation.id, "v1", "My address is 1 Main St")
    live_chat.send_agent_message(agent, conversation.id, "a1", "Thanks, shipping to 1 Main St")
    presence.connect("w-erase", presence.CHAT, customer_id=conversation.customer_id)
    exported = customer_privacy.export_customer(conversation.customer_id, by=ADMIN)
    assert [m["body"] for m in exported["conversations"][0]["messages"]] == [
        "My address is 1 Main St", "Thanks, shipping to 1 Main St"]

    counts = customer_privacy.erase_customer(conversation.customer_id, by=ADMIN)
    assert (counts["messages_blanked"], counts["connections"]) == (2, 1)
    db.session.expire_all()
    kept = db.session.get(Conversation, conversation.id)
    assert (kept.page_url, kept.prechat, kept.contact_email) == (None, None, None)
    bodies = set(db.session.scalars(db.select(Message.body).where(Message.conversation_id == conversation.id)))
    assert bodies == {customer_privacy.ERASED_TEXT}


def test_erase_keeps_tickets_without_their_words(app, client, make_agent, auth):
    from app.models import Ticket, TicketMessage

    ticket = make_ticket(subject="My address is 1 Main St", body="Ship to 1 Main St", email="t@example.com", by=ADMIN)
    counts = customer_privacy.erase_customer(ticket.requester_id, by=ADMIN)
    assert counts["ticket_messages_blanked"] == 1
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).subject == customer_privacy.ERASED_TEXT
    assert set(db.session.scalars(db.select(TicketMessage.body))) == {customer_privacy.ERASED_TEXT}
    auth.login(make_agent().email)
    page = client.get(f"/console/tickets/{ticket.id}")
    assert page.status_code == 200 and "erased on request" in page.get_data(as_text=True)
