"""The lifecycle views follow the requester as events, time and erasure move them: the bits that
ticket_audiences keeps on customers and their tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Customer, Ticket
from app.services import customer_privacy
from app.services.customers import lifecycle
from app.services.platform.audit import CLI
from app.services.shop_events.ingestion import ingest_events
from app.services.tickets import audiences, lists
from tests.factories import make_customer, make_ticket
from tests.support.shop_events import MUG, TEA, cart_updated, order_placed


def views_of(ticket: Ticket, agent_id: int) -> set[str]:
    db.session.expire_all()
    return {view for view in audiences.BITS
            if ticket.id in [r.ticket.id for r in lists.list_tickets(view, agent_id).rows]}


def ingest(*events: dict) -> None:
    result = ingest_events(list(events), source="api")
    assert result.accepted == len(events) and not result.rejected, result


def test_a_customers_tickets_move_between_lifecycle_views_as_they_buy(any_app, make_agent):
    agent = make_agent(name="Bea")
    shopper = make_customer("c-buy")
    ticket = make_ticket(customer=shopper)
    assert views_of(ticket, agent.id) == set()  # acquisition: in no lifecycle view

    ingest(order_placed("c-buy", "o-1", MUG))  # first order: conversion, but the cart is empty
    assert db.session.get(Customer, shopper.id).stage == "conversion"
    assert views_of(ticket, agent.id) == set()
    ingest(cart_updated("c-buy", TEA))
    assert views_of(ticket, agent.id) == {"conversion_cart"}
    second = make_ticket(customer=db.session.get(Customer, shopper.id), subject="A second question")
    assert views_of(second, agent.id) == {"conversion_cart"}  # a new ticket takes the requester's bits
    ingest(cart_updated("c-buy"))  # emptied
    assert views_of(ticket, agent.id) == views_of(second, agent.id) == set()
    assert lists.view_counts(agent.id)["conversion_cart"] == 0


def test_loyalty_and_at_risk_follow_orders_and_time(any_app, make_agent):
    agent = make_agent(name="Bea")
    regular = make_customer("c-loyal", orders=4)
    assert regular.stage == "loyalty"
    ticket = make_ticket(customer=regular)
    assert views_of(ticket, agent.id) == {"loyalty"}

    lifecycle.recompute_lifecycle(datetime.now(UTC) + timedelta(days=130))  # no order for months
    customer = db.session.get(Customer, regular.id)
    assert "at_risk" in customer.flags or ("vip" in customer.flags and "churned" in customer.flags)
    assert "at_risk" in views_of(ticket, agent.id)

    customer_privacy.erase_customer(regular.id, by=CLI)  # erased: back to reach, in no view
    assert views_of(ticket, agent.id) == set()


def test_recomputing_everything_agrees_with_what_the_listener_kept(any_app):
    make_customer("c-a", orders=4)
    make_customer("c-b", orders=1, cart=(MUG,))
    for external_id in ("c-a", "c-b", "c-c"):
        make_ticket(customer=db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))
            if external_id != "c-c" else make_customer("c-c"))
    kept = db.session.execute(db.select(Ticket.id, Ticket.audiences).order_by(Ticket.id)).all()
    assert sorted(bits for _, bits in kept) == [0, audiences.CONVERSION_CART, audiences.LOYALTY]
    db.session.execute(db.update(Ticket).values(audiences=0))
    db.session.execute(db.update(Customer).values(audiences=0))
    audiences.recompute_all()
    db.session.commit()
    assert db.session.execute(db.select(Ticket.id, Ticket.audiences).order_by(Ticket.id)).all() == kept
