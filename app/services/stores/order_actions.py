"""Agents act on a connected store's orders from the console: refund in full or by line, cancel,
resend the confirmation. Each is planned first (exactly what will happen, for the confirmation),
allowed by role and, for agents, up to the refund amount an admin sets; performed once per
idempotency key (a double click refunds once); written to the audit log and as a system note on
the conversation or ticket it was done from; the store's own errors are shown in its words.

A refund or cancellation done here is ingested at once as the store's event, so the customer's
lifetime value and stage change before the store's webhook arrives (which is then a repeat).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Agent,
    Conversation,
    Customer,
    Order,
    OrderItem,
    StoreConnection,
    StoreOrderAction,
    Ticket,
    TicketMessage,
)
from app.models.base import utcnow
from app.services.conversations import message_store
from app.services.errors import DomainError, NotFoundError, PermissionDeniedError
from app.services.platform import audit, settings_store
from app.services.platform.audit import Actor
from app.services.shop_events.ingestion import ingest_events
from app.services.stores import clients, shopify, woocommerce
from app.services.stores.api_client import StoreApiError
from app.services.stores.mapping import money

SETTINGS_KEY = "store_order_actions"
DEFAULT_POLICY = {"agents_refund": True, "agent_refund_limit": "100.00", "agents_cancel": False}
ACTION_NAMES = {"refund": "Refund", "cancel": "Cancel", "resend": "Resend the confirmation"}


@dataclass(frozen=True)
class Policy:
    """Who may do what: admins anything; agents refunds up to a limit, and cancellations if allowed."""

    agents_refund: bool
    agent_refund_limit: Decimal
    agents_cancel: bool


@dataclass(frozen=True)
class Plan:
    """What an action will do, as the confirmation shows it."""

    action: str
    order: Order
    connection: StoreConnection
    lines: tuple[tuple[OrderItem, int], ...]  # refund by line: (line, quantity); empty for the whole order
    amount: Decimal | None  # what the lines are worth (the store adds tax and may differ by cents)
    summary: str


def policy() -> Policy:
    stored = DEFAULT_POLICY | (settings_store.get_setting(SETTINGS_KEY) or {})
    return Policy(bool(stored["agents_refund"]), Decimal(str(stored["agent_refund_limit"])),
                  bool(stored["agents_cancel"]))


def save_policy(agents_refund: bool, agent_refund_limit: Decimal, agents_cancel: bool, *, by: Actor) -> Policy:
    """Admins set what agents may do with orders. Commits."""
    if agent_refund_limit < 0 or agent_refund_limit > Decimal("1000000"):
        raise DomainError("Enter a limit between 0 and 1,000,000.", field="agent_refund_limit")
    value = {"agents_refund": agents_refund, "agent_refund_limit": str(agent_refund_limit.quantize(Decimal("0.01"))),
             "agents_cancel": agents_cancel}
    settings_store.put_setting(SETTINGS_KEY, value)
    audit.record("store.order_policy_changed", actor=by, details=value)
    db.session.commit()
    return policy()


def connection_for(order: Order) -> StoreConnection | None:
    """The connected store an order came from, when it can be reached through its API."""
    if order.source not in ("shopify", "woocommerce"):
        return None
    for connection in db.session.scalars(db.select(StoreConnection).where(StoreConnection.platform == order.source)
                                         .order_by(StoreConnection.id)):
        try:
            clients.require_api_access(connection)
        except DomainError:
            continue
        return connection
    return None


def plan(order_id: int, action: str, quantities: dict[int, int] | None, *, agent: Agent) -> Plan:
    """Check an action and say exactly what it will do. `quantities` (refund by line) maps order
    line ids to how many to refund; None or empty refunds the whole order."""
    order = db.session.get(Order, order_id)
    if order is None or order.placed_at is None:
        raise NotFoundError("No such order.")
    connection = connection_for(order)
    if connection is None:
        raise DomainError("This order did not come from a connected store with API access, so it cannot be "
                          "changed from here.")
    if action not in ACTION_NAMES:
        raise DomainError("Choose refund, cancel or resend.", field="action")
    if order.cancelled_at is not None and action in ("refund", "cancel"):
        raise DomainError("This order is cancelled already.")
    if order.refunded_at is not None and action == "refund":
        raise DomainError("This order is refunded in full already.")
    lines, amount = _refund_lines(order, quantities) if action == "refund" else ((), None)
    _allowed(agent, action, amount)
    return Plan(action, order, connection, lines, amount, _summary(order, action, lines, amount))


def _refund_lines(order: Order, quantities: dict[int, int] | None) -> tuple[tuple, Decimal]:
    by_id = {item.id: item for item in order.items}
    chosen = {}
    for line_id, quantity in (quantities or {}).items():
        item = by_id.get(line_id)
        if item is None:
            raise DomainError("That line is not on this order.", field="lines")
        if not 0 <= quantity <= item.quantity:
            raise DomainError(f"Refund between 0 and {item.quantity} of {item.name}.", field="lines")
        if quantity:
            if not item.external_line_id:
                raise DomainError("This order's lines cannot be refunded one by one; refund the whole order.",
                                  field="lines")
            chosen[item.id] = quantity
    if not chosen:  # the whole order
        return (), order.total - (order.refunded_amount or Decimal("0"))
    lines = tuple((by_id[i], q) for i, q in chosen.items())
    return lines, sum((item.unit_price * quantity for item, quantity in lines), Decimal("0"))


def _allowed(agent: Agent, action: str, amount: Decimal | None) -> None:
    if agent.is_admin or action == "resend":
        return
    rules = policy()
    if action == "cancel" and not rules.agents_cancel:
        raise PermissionDeniedError("Only admins may cancel orders here.")
    if action == "refund":
        if not rules.agents_refund:
            raise PermissionDeniedError("Only admins may refund orders here.")
        if amount is not None and amount > rules.agent_refund_limit:
            raise PermissionDeniedError(f"Agents may refund up to {rules.agent_refund_limit}; ask an admin "
                                        "for this one.")


def _summary(order: Order, action: str, lines: tuple, amount: Decimal | None) -> str:
    label = f"order {order.label}"
    if action == "refund":
        if not lines:
            return f"Refund the whole of {label}: {amount:.2f} {order.currency or ''}, to the original payment " \
                   "method, and email the customer.".replace(" ,", ",")
        parts = ", ".join(f"{quantity} × {item.name}" for item, quantity in lines)
        return f"Refund {parts} from {label}: {amount:.2f} {order.currency or ''} before tax, to the original " \
               "payment method, and email the customer."
    if action == "cancel":
        return f"Cancel {label} (the store refuses once it has shipped), restock its items and email the customer."
    return f"Email the customer the confirmation of {label} again."


def perform(plan_: Plan, *, idempotency_key: str, agent: Agent, by: Actor,
            note_on: tuple[str, int] | None = None) -> StoreOrderAction:
    """Do the planned action once for this key: a repeat (a double click, a retried request)
    returns the first attempt. Commits; the store's refusal is the action's `message`."""
    key = (idempotency_key or "").strip()[:64]
    if len(key) < 16:
        raise DomainError("The confirmation expired: review the action again.")
    action = StoreOrderAction(idempotency_key=key, order_id=plan_.order.id, connection_id=plan_.connection.id,
                              action=plan_.action, status="pending", agent_id=agent.id, result={},
                              request={"lines": [[item.id, q] for item, q in plan_.lines],
                                       "amount": str(plan_.amount) if plan_.amount is not None else None})
    db.session.add(action)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(db.select(StoreOrderAction).where(StoreOrderAction.idempotency_key == key))
    try:
        with clients.client_for(plan_.connection) as api:
            result = _call(api, plan_, key)
    except StoreApiError as exc:
        action.status, action.message = "failed", exc.message
        audit.record(f"store.order_{plan_.action}_failed", actor=by, target=plan_.order,
                     details={"order": plan_.order.external_order_id, "reason": exc.message})
        db.session.commit()
        return action
    action.status, action.result, action.message = "done", _plain(result), _done(plan_.summary)
    audit.record(f"store.order_{plan_.action}", actor=by, target=plan_.order,
                 details={"order": plan_.order.external_order_id, "summary": plan_.summary})
    _note(note_on, f"{agent.display_name} via the store: {_done(plan_.summary)}", by)
    db.session.commit()
    _ingest(plan_, result)
    return action


def _done(summary: str) -> str:
    """The plan's summary in the past tense, for the note left once it is done."""
    for verb, past in (("Refund ", "Refunded "), ("Cancel ", "Cancelled "), ("Email ", "Emailed ")):
        if summary.startswith(verb):
            return past + summary[len(verb):]
    return summary


def _call(api, plan_: Plan, key: str):
    order_id = plan_.order.external_order_id
    platform = plan_.connection.platform
    if plan_.action == "refund":
        if platform == "shopify":
            lines = [(int(item.external_line_id), q) for item, q in plan_.lines] or None
            return api.refund(order_id, lines=lines, note="Refunded from the helpdesk", idempotency_key=key)
        items = [{"id": int(item.external_line_id), "quantity": q, "refund_total": str(item.unit_price * q)}
                 for item, q in plan_.lines] or None
        return api.refund(order_id, amount=str(plan_.amount), line_items=items, reason="Refunded from the helpdesk",
                          idempotency_key=key)
    if plan_.action == "cancel":
        if platform == "shopify":
            return api.cancel(order_id, idempotency_key=key)
        return api.cancel(order_id)
    return {"sent": api.resend_confirmation(order_id)}


def _plain(result) -> dict:
    return result if isinstance(result, dict) else {"result": str(result)}


def _ingest(plan_: Plan, result) -> None:
    """The store's own word on what was done, into the pipeline now (its webhook will repeat it)."""
    order, platform = plan_.order, plan_.connection.platform
    owner = db.session.scalar(db.select(Customer.external_id).where(Customer.id == order.customer_id))
    if not owner:
        return
    now = utcnow().isoformat()
    events = []
    if plan_.action == "refund" and isinstance(result, dict) and result.get("id"):
        if platform == "shopify":
            events = shopify.refund_events(result | {"order_id": result.get("order_id") or order.external_order_id},
                                           owner)
        else:
            amount = money(result.get("amount")) or money(plan_.amount)
            events = [woocommerce.refund_event(order.external_order_id, result["id"], amount, owner, now,
                                               result.get("reason"))]
    elif plan_.action == "cancel":
        adapter = shopify if platform == "shopify" else woocommerce
        events = [adapter.cancelled_event(order.external_order_id, owner, now)]
    if events:
        ingest_events(events, source=platform)


def _note(note_on: tuple[str, int] | None, body: str, by: Actor) -> None:
    """A system note where the agent acted from, for whoever reads the conversation or ticket next."""
    if note_on is None:
        return
    kind, ident = note_on
    if kind == "conversation" and (conversation := db.session.get(Conversation, ident)) is not None:
        message_store.add_system_note(conversation, body)
    elif kind == "ticket" and db.session.get(Ticket, ident) is not None:
        db.session.add(TicketMessage(ticket_id=ident, author_type="system", body=body, internal=True, channel="web",
                                     author_agent_id=by.id if by.type == "agent" else None, created_at=utcnow()))
