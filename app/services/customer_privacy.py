"""The data-subject requests an admin answers for one customer: export everything stored, and erase."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    FLAGS,
    AnonymousVisitor,
    Cart,
    Conversation,
    Customer,
    CustomerEvent,
    Message,
    Order,
    OrderItem,
    RealtimeConnection,
    StageTransition,
    Survey,
    Ticket,
    TicketMessage,
)
from app.models.base import utcnow
from app.services.access import revocation
from app.services.customers.queries import CustomerContext, customer_context, get_customer, profile_document
from app.services.platform import audit, realtime
from app.services.platform.audit import Actor
from app.services.tickets.attachments import files as attachments
from app.services.tickets.attachments import store

EXPORT_FORMAT = "helpdesk.customer-export/1"


def _plain(value):
    """JSON-ready data: datetimes as ISO 8601 (UTC), amounts as exact decimal strings."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _event_filter(customer: Customer, anonymous_ids: list[str]):
    """Events that are about this customer: linked to the profile, or naming one of its ids."""
    criteria = [CustomerEvent.customer_id == customer.id]
    if customer.external_id:
        criteria.append(CustomerEvent.external_customer_id == customer.external_id)
    if anonymous_ids:
        criteria.append(CustomerEvent.anonymous_id.in_(anonymous_ids))
    return or_(*criteria)


def _anonymous_ids(customer_id: int) -> list[str]:
    return list(db.session.scalars(
        db.select(AnonymousVisitor.anonymous_id)
        .where(AnonymousVisitor.customer_id == customer_id)
        .order_by(AnonymousVisitor.first_seen_at, AnonymousVisitor.id)
    ))


def _all_orders(customer_id: int) -> list[Order]:
    """Every order row, refund placeholders included (the profile shows only the latest 20)."""
    return list(db.session.scalars(
        db.select(Order).where(Order.customer_id == customer_id).options(selectinload(Order.items))
        .order_by(Order.placed_at.desc(), Order.id.desc())
    ))


def _events(customer: Customer, anonymous_ids: list[str]) -> list[dict]:
    rows = db.session.scalars(
        db.select(CustomerEvent).where(_event_filter(customer, anonymous_ids))
        .order_by(CustomerEvent.occurred_at, CustomerEvent.id)
    )
    return [
        {"event_id": e.event_id, "type": e.type, "occurred_at": e.occurred_at, "received_at": e.received_at,
         "source": e.source, "customer_id": e.external_customer_id, "anonymous_id": e.anonymous_id,
         "properties": e.properties}
        for e in rows
    ]


def export_customer(customer_id: int, *, by: Actor) -> dict:
    """Everything stored about one customer, as JSON-ready data (admin's export; audit-logged).

    The profile document (as the API shows it) with every order instead of the latest 20, plus
    the internal id, visitor ids and the whole event log. Raises NotFoundError.
    """
    context = customer_context(customer_id)
    customer = context.customer
    anonymous_ids = _anonymous_ids(customer.id)
    full = CustomerContext(customer, context.cart, _all_orders(customer.id), context.transitions)
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow(),
        "id": customer.id,
        **profile_document(full),
        "profile_updated_at": customer.profile_updated_at,
        "signed_up_at": customer.signed_up_at,
        "nps_score": customer.nps_score,
        "anonymous_ids": anonymous_ids,
        "events": _events(customer, anonymous_ids),
        "conversations": _conversations(customer.id),
        "surveys": _surveys(customer.id),
    }
    # The audit row says who exported whom, never what: no personal data in the log.
    audit.record("customer.exported", actor=by, target=customer)
    db.session.commit()
    return _plain(document)


def _conversations(customer_id: int) -> list[dict]:
    """The customer's chats with what they and the agents said to them (internal notes are the
    team's own records, not the customer's words)."""
    conversations = db.session.scalars(db.select(Conversation).where(Conversation.customer_id == customer_id)
                                       .order_by(Conversation.id))
    return [{
        "id": c.id, "status": c.status, "channel": c.channel, "created_at": c.created_at,
        "contact_email": c.contact_email, "page_url": c.page_url, "prechat": c.prechat,
        "messages": [{"seq": m.seq, "author_type": m.author_type, "body": m.body, "created_at": m.created_at}
                     for m in db.session.scalars(db.select(Message).where(
                         Message.conversation_id == c.id, Message.is_internal_note.is_(False)).order_by(Message.seq))],
    } for c in conversations]


def _surveys(customer_id: int) -> list[dict]:
    """The customer's CSAT and NPS questions and their answers."""
    return [{"kind": s.kind, "asked_at": s.asked_at, "asked_via": s.asked_via, "answered_at": s.answered_at,
             "rating": s.rating, "score": s.score, "comment": s.comment}
            for s in db.session.scalars(db.select(Survey).where(Survey.customer_id == customer_id).order_by(Survey.id))]


ERASED_TEXT = "(erased on request)"


def _blank_survey_comments(customer_id: int) -> int:
    """Keep the customer's survey answers for the shop's figures (CSAT and NPS counts), without
    their words. Returns how many comments were cleared."""
    return db.session.execute(db.update(Survey).where(Survey.customer_id == customer_id, Survey.comment.is_not(None))
                              .values(comment=None)).rowcount


def _anonymise_conversations(customer_id: int) -> int:
    """Keep the customer's conversations for the shop's records (counts, times, who answered),
    without anything said in them or about the customer: every body replaced, the pre-chat
    answers, contact email and pages cleared. Returns how many messages were blanked."""
    ids = db.select(Conversation.id).where(Conversation.customer_id == customer_id).scalar_subquery()
    blanked = db.session.execute(db.update(Message).where(Message.conversation_id.in_(ids))
                                 .values(body=ERASED_TEXT)).rowcount
    db.session.execute(db.update(Conversation).where(Conversation.customer_id == customer_id)
                       .values(prechat=None, contact_email=None, page_url=None, client_key=None))
    return blanked


def _anonymise_tickets(customer_id: int) -> int:
    """Keep the customer's tickets for the shop's records (statuses, times, who worked them),
    without their words: every subject and message replaced. Returns how many messages."""
    ids = db.select(Ticket.id).where(Ticket.requester_id == customer_id).scalar_subquery()
    # Messages a merge moved into another customer's ticket were written in this customer's.
    blanked = db.session.execute(db.update(TicketMessage).where(
        db.or_(TicketMessage.ticket_id.in_(ids), TicketMessage.merged_from_id.in_(ids)))
        .values(body=ERASED_TEXT)).rowcount
    db.session.execute(db.update(Ticket).where(Ticket.requester_id == customer_id)
                       .values(subject=ERASED_TEXT, client_key=None))
    return blanked


def erase_customer(customer_id: int, *, by: Actor) -> dict:
    """Erase a customer on request: delete their events, cart, orders, stage history, visitor
    ids and open sockets' records, blank what was said in their conversations, tickets and survey
    comments, delete the files attached to their tickets (from disk after the commit), and blank
    the profile. One commit; the audit event keeps only counts and the internal id. Then the
    customer's open widget sockets are disconnected on every process, and watching consoles are
    told (`customer_updated`) and find the profile gone (404).

    The row itself stays as an anonymous tombstone (`erased_at` set, every personal field and fact
    cleared) rather than being deleted: SQLite would hand a deleted newest id to the next customer,
    so the audit log and any console still open on the old id would point at someone else; and
    conversations and tickets, kept for the shop's records, keep their customer id.
    Returns the counts deleted or blanked.
    """
    customer = get_customer(customer_id)
    anonymous_ids = _anonymous_ids(customer.id)
    # Their rows go below; the sockets and rooms are ended after the commit.
    sockets, rooms = revocation.customer_socket_sids(customer.id), revocation.customer_rooms(customer.id)
    order_ids = db.select(Order.id).where(Order.customer_id == customer.id).scalar_subquery()
    counts = {
        "events": _delete(CustomerEvent, _event_filter(customer, anonymous_ids)),
        "carts": _delete(Cart, Cart.customer_id == customer.id),
        "order_items": _delete(OrderItem, OrderItem.order_id.in_(order_ids)),
        "orders": _delete(Order, Order.customer_id == customer.id),
        "stage_transitions": _delete(StageTransition, StageTransition.customer_id == customer.id),
        "visitors": _delete(AnonymousVisitor, AnonymousVisitor.customer_id == customer.id),
        "connections": _delete(RealtimeConnection, RealtimeConnection.customer_id == customer.id),
        "messages_blanked": _anonymise_conversations(customer.id),
        "ticket_messages_blanked": _anonymise_tickets(customer.id),
        "survey_comments_blanked": _blank_survey_comments(customer.id),
    }
    files = attachments.remove_for_requester(customer.id)
    counts["ticket_attachments"] = len(files)
    _blank_profile(customer, utcnow())
    audit.record("customer.erased", actor=by, target=customer, details=counts)
    db.session.commit()
    store.delete(files)  # after the commit: a failed erasure keeps every file
    revocation.end_chat_sockets(sockets, rooms)  # an open widget must not hear the erased conversations
    realtime.customer_updated(customer_id, cart_changed=True)
    return counts


ERASED_REASON = "erased on request"


def _blank_profile(customer: Customer, now: datetime) -> None:
    """Clear every column but the id: nullable ones to NULL (so a column added later is cleared
    too), the others to an empty profile's values."""
    empty = {
        "traits": {}, "first_seen_at": now, "last_seen_at": now, "stage_changed_at": now, "erased_at": now,
        "order_count": 0, "lifetime_value": Decimal("0"), "max_order_gap_days": 0, "referral_count": 0,
        "stage": "reach", "stage_reason": ERASED_REASON, "segment": "visitor",
        "rfm_recency": 0, "rfm_frequency": 0, "rfm_monetary": 0, "audiences": 0,
        **{f"is_{flag}": False for flag in FLAGS},
    }
    for attribute in db.inspect(Customer).column_attrs:
        if attribute.key != "id":
            setattr(customer, attribute.key, empty.get(attribute.key))


def _delete(model, criterion) -> int:
    """Bulk delete; the number of rows removed."""
    return db.session.execute(db.delete(model).where(criterion)).rowcount
