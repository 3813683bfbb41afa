"""Reading customers: the profile with its context, the list with filters, the journey map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_

from app.database import contains_pattern
from app.extensions import db
from app.models import FLAGS, Cart, Conversation, Customer, CustomerEvent, Order, StageTransition, Survey
from app.services.customers import orders
from app.services.customers.lifecycle_rules import nps_group
from app.services.errors import DomainError, NotFoundError
from app.services.platform import presence


@dataclass(frozen=True)
class CustomerContext:
    """Everything an agent sees about a customer next to a conversation or on the profile page."""

    customer: Customer
    cart: Cart | None
    orders: list[Order]
    transitions: list[StageTransition]
    conversations: list[Conversation] = ()  # the latest, newest first
    online: bool = False  # the widget is open on the shop's site now


CONVERSATIONS_SHOWN = 5


def get_customer(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.erased_at is not None:  # an erased profile is only a tombstone
        raise NotFoundError("No such customer.")
    return customer


def get_by_external_id(external_id: str) -> Customer:
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))
    if customer is None:
        raise NotFoundError("No customer with this id.")
    return customer


def by_email(address: str, *, limit: int = 20) -> list[Customer]:
    """The live profiles an address is on, as the shop's server asks for them (a guest order is
    keyed by its email): the verified owner's first, then profiles that only give it as a contact
    address; shop customers before others, oldest first."""
    address = address.strip().lower()
    return list(db.session.scalars(
        db.select(Customer).where(or_(Customer.verified_email == address, Customer.email == address),
                                  Customer.erased_at.is_(None))
        .order_by((Customer.verified_email == address).desc(), Customer.external_id.is_(None), Customer.id)
        .limit(limit)))


def customer_context(customer_id: int, *, order_limit: int = 20) -> CustomerContext:
    """The profile, current cart, latest orders with items, the stage history, the latest
    conversations and whether the visitor is on the site now."""
    customer = get_customer(customer_id)
    transitions = list(
        db.session.scalars(
            db.select(StageTransition)
            .where(StageTransition.customer_id == customer.id)
            .order_by(StageTransition.occurred_at, StageTransition.id)
        )
    )
    return CustomerContext(
        customer=customer,
        cart=db.session.get(Cart, customer.id),
        orders=orders.recent_orders(customer.id, order_limit),
        transitions=transitions,
        conversations=list(db.session.scalars(
            db.select(Conversation).where(Conversation.customer_id == customer.id)
            .order_by(Conversation.id.desc()).limit(CONVERSATIONS_SHOWN))),
        online=bool(presence.live_visitor_sids(customer.id)),
    )


@dataclass(frozen=True)
class CustomerFilter:
    stage: str | None = None
    flag: str | None = None
    segment: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    next_cursor: str | None


def _cursor(customer: Customer) -> str:
    return f"{customer.last_seen_at.timestamp():.6f}_{customer.id}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    from datetime import UTC

    try:
        stamp, _, ident = cursor.partition("_")
        return datetime.fromtimestamp(float(stamp), UTC), int(ident)
    except ValueError:
        raise DomainError("Invalid page cursor.", field="after") from None


def list_customers(filters: CustomerFilter, *, after: str | None = None, limit: int = 50) -> CustomerPage:
    """Customers by most recently seen, filtered, with keyset pagination (`after` = a cursor)."""
    query = db.select(Customer).where(Customer.erased_at.is_(None))
    if filters.stage:
        query = query.where(Customer.stage == filters.stage)
    if filters.flag in FLAGS:
        query = query.where(getattr(Customer, f"is_{filters.flag}").is_(True))
    if filters.segment:
        query = query.where(Customer.segment == filters.segment)
    if filters.search:
        term = contains_pattern(filters.search.strip().lower()[:100])  # % and _ are literal
        query = query.where(or_(func.lower(Customer.name).like(term, escape="\\"),
                                Customer.email.like(term, escape="\\"),
                                Customer.external_id == filters.search.strip()))
    if after:
        seen, ident = _parse_cursor(after)
        query = query.where(
            or_(Customer.last_seen_at < seen, (Customer.last_seen_at == seen) & (Customer.id < ident))
        )
    rows = list(db.session.scalars(query.order_by(Customer.last_seen_at.desc(), Customer.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(customers=rows, next_cursor=_cursor(rows[-1]) if more and rows else None)


@dataclass(frozen=True)
class Touchpoint:
    """One point on the journey map."""

    at: datetime
    kind: str
    title: str
    detail: str | None
    stage: str | None = None


JOURNEY_TITLES = {
    "page_viewed": "Viewed a page",
    "product_viewed": "Viewed a product",
    "cart_updated": "Cart changed",
    "checkout_started": "Started checkout",
    "order_placed": "Placed an order",
    "order_refunded": "Order refunded",
    "order_cancelled": "Order cancelled",
    "identify": "Identified",
    "signed_up": "Signed up",
    "subscribed": "Subscribed",
    "unsubscribed": "Unsubscribed",
    "review_submitted": "Wrote a review",
    "referral_made": "Referred someone",
    "nps_submitted": "Answered NPS",
}


def _event_detail(event: CustomerEvent) -> str | None:
    props = event.properties or {}
    if event.type == "page_viewed":
        return props.get("title") or props.get("url")
    if event.type in ("cart_updated", "order_placed", "checkout_started"):
        count = sum(int(i.get("quantity", 0)) for i in props.get("items") or [] if isinstance(i, dict))
        total = props.get("total")
        if total is None:
            return None
        amount = f"{total:.2f}" if isinstance(total, int | float) else total
        return f"{count} item{'' if count == 1 else 's'} · {amount} {props.get('currency', '')}".strip()
    if event.type == "product_viewed":
        return props.get("name") or props.get("sku")
    if event.type == "nps_submitted":
        group = nps_group(props["score"]) if type(props.get("score")) is int else None
        detail = f"score {props.get('score')}" + (f" · {group}" if group else "")
        comment = props.get("comment")
        return detail + (f": “{comment}”" if isinstance(comment, str) and comment else "")
    return None


def journey(customer_id: int, *, limit: int = 200) -> list[Touchpoint]:
    """The newest touchpoints (events, stage changes and CSAT answers), newest first."""
    events = db.session.scalars(
        db.select(CustomerEvent)
        .where(CustomerEvent.customer_id == customer_id)
        .order_by(CustomerEvent.occurred_at.desc(), CustomerEvent.id.desc())
        .limit(limit)
    )
    points = [
        Touchpoint(e.occurred_at, e.type, JOURNEY_TITLES.get(e.type, e.type.replace("_", " ").capitalize()),
                   _event_detail(e))
        for e in events
    ]
    points += [
        Touchpoint(t.occurred_at, "stage", f"Stage: {t.to_stage}", t.reason, stage=t.to_stage)
        # Newest first, so that changes recorded in the same instant (one batch) keep their order
        # through the stable sort below.
        for t in db.session.scalars(
            db.select(StageTransition).where(StageTransition.customer_id == customer_id)
            .order_by(StageTransition.occurred_at.desc(), StageTransition.id.desc())
        )
    ]
    points += [
        Touchpoint(s.answered_at, "csat", f"Rated support: {'good' if s.rating == 'good' else 'bad'}",
                   _survey_detail(s))
        for s in db.session.scalars(
            db.select(Survey).where(Survey.customer_id == customer_id, Survey.kind == "csat",
                                    Survey.answered_at.is_not(None))
            .order_by(Survey.answered_at.desc()).limit(limit))
    ]
    return sorted(points, key=lambda p: p.at, reverse=True)[:limit]


def _survey_detail(survey: Survey) -> str:
    about = f"request #{survey.ticket_id}" if survey.ticket_id else "a chat"
    return f"about {about}" + (f": “{survey.comment}”" if survey.comment else "")


def profile_document(context: CustomerContext) -> dict:
    """The profile as plain data (API answers and the GDPR export share it)."""
    c = context.customer
    cart = context.cart
    return {
        "customer_id": c.external_id, "email": c.email, "name": c.name, "phone": c.phone, "traits": c.traits,
        "stage": c.stage, "stage_reason": c.stage_reason, "flags": c.flags, "segment": c.segment,
        "rfm": {"recency": c.rfm_recency, "frequency": c.rfm_frequency, "monetary": c.rfm_monetary},
        "cart": None if cart is None else {
            "items": cart.items, "item_count": cart.item_count, "currency": cart.currency,
            "total": cart.total, "updated_at": cart.updated_at,
        },
        "orders": [
            {"order_id": o.external_order_id, "order_number": o.number, "placed_at": o.placed_at, "total": o.total,
             "currency": o.currency,
             "refunded_at": o.refunded_at, "refunded_amount": o.refunded_amount, "cancelled_at": o.cancelled_at,
             "items": [{"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price": i.unit_price}
                       for i in o.items]}
            for o in context.orders
        ],
        "lifetime_value": c.lifetime_value, "order_count": c.order_count,
        "first_seen_at": c.first_seen_at, "last_seen_at": c.last_seen_at, "lead_source": c.lead_source,
        "stage_history": [
            {"from_stage": t.from_stage, "to_stage": t.to_stage, "occurred_at": t.occurred_at,
             "reason": t.reason, "event_id": t.event_id}
            for t in context.transitions
        ],
    }
