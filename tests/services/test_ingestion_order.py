"""I3: the final state of customers does not depend on the order events arrive in, nor on how they
are split into batches, nor on repeated deliveries; an older cart never replaces a newer one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import AnonymousVisitor, Cart, Customer, CustomerEvent, Order, OrderItem, StageTransition
from app.services.customers import lifecycle
from app.services.shop_events.ingestion import ingest_events

# Event times are on a 6-hour grid so that equal timestamps (ties) are common.
BASE = (datetime.now(UTC) - timedelta(days=80)).replace(minute=0, second=0, microsecond=0)
NOW = BASE + timedelta(days=75)  # the clock for the final, time-driven reassessment
SKUS = {"A": "10.00", "B": "25.50", "C": "99.99"}
BROWSING = ("identify", "page_viewed", "product_viewed", "cart_updated", "checkout_started")
SERVER = ("order_placed", "order_refunded", "signed_up", "nps_submitted", "referral_made", "subscribed",
          "unsubscribed")


def _lines(skus: list[str]) -> tuple[list[dict], str]:
    lines = [{"sku": sku, "name": f"Product {sku}", "quantity": 1 + n % 2, "unit_price": SKUS[sku]}
             for n, sku in enumerate(skus)]
    total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
    return lines, str(total)


def _order(order_id: str) -> dict:
    # A shop resends an order with the same content: items and total depend on the id only.
    lines, total = _lines(sorted(SKUS)[: 1 + sum(map(ord, order_id)) % 3])
    return {"order_id": order_id, "items": lines, "currency": "EUR", "total": total}


def _properties(draw, kind: str, customer: int) -> dict:
    if kind == "identify":
        fields = draw(st.sets(st.sampled_from(["email", "name", "phone", "plan"]), min_size=1))
        value = draw(st.integers(0, 3))
        props = {k: f"{k}{value}@example.com" if k == "email" else f"{k}-{value}" for k in fields - {"plan"}}
        if "plan" in fields:
            props["traits"] = {"plan": f"plan-{value}"}
        return props
    if kind == "page_viewed":
        n = draw(st.integers(0, 3))
        return {"url": f"https://shop.test/p{n}", "title": f"Page {n}", "utm_source": f"src{n}"}
    if kind == "product_viewed":
        return {"sku": draw(st.sampled_from(sorted(SKUS)))}
    if kind in ("cart_updated", "checkout_started"):
        lines, total = _lines(draw(st.lists(st.sampled_from(sorted(SKUS)), max_size=3, unique=True)))
        return {"items": lines, "currency": "EUR", "total": total}
    if kind in ("order_placed", "order_refunded"):
        order_id = f"o{customer}-{draw(st.integers(0, 3))}"
        return _order(order_id) if kind == "order_placed" else {"order_id": order_id}
    if kind == "nps_submitted":
        return {"score": draw(st.integers(0, 10))}
    return {}


@st.composite
def histories(draw) -> list[dict]:
    """Events about 1-3 customers, each with 0-2 anonymous ids of their own (browsing before the
    customer is known), linked by identify or by events that carry both ids."""
    events = []
    for customer in range(draw(st.integers(1, 3))):
        anonymous = [f"anon-{customer}-{n}" for n in range(draw(st.integers(0, 2)))]
        for _ in range(draw(st.integers(1, 10))):
            kind = draw(st.sampled_from(BROWSING + SERVER))
            who = draw(st.sampled_from(["customer", "anonymous", "both"])) if anonymous else "customer"
            if kind in SERVER and who == "anonymous":
                who = "customer"  # orders and the like come from the shop's server
            event = {"id": f"e{len(events):03d}", "type": kind, "properties": _properties(draw, kind, customer),
                     "timestamp": (BASE + timedelta(hours=6 * draw(st.integers(0, 240)))).isoformat()}
            if who != "anonymous":
                event["customer_id"] = f"cust-{customer}"
            if who != "customer":
                event["anonymous_id"] = draw(st.sampled_from(anonymous))
            events.append(event)
    return events


@st.composite
def deliveries(draw, events: list[dict]) -> list[list[dict]]:
    """The events shuffled, some delivered twice, cut into batches of random sizes."""
    shuffled = draw(st.permutations(events))
    repeats = draw(st.lists(st.sampled_from(events), max_size=5)) if events else []
    stream = draw(st.permutations(shuffled + [dict(e) for e in repeats]))
    batches, i = [], 0
    while i < len(stream):
        size = draw(st.integers(1, 12))
        batches.append(stream[i:i + size])
        i += size
    return batches


def _reset() -> None:
    for model in (OrderItem, Order, Cart, StageTransition, CustomerEvent, AnonymousVisitor, Customer):
        db.session.execute(db.delete(model))
    db.session.commit()


def _key(customer: Customer) -> str:
    """Profiles are compared by who they are, not by their internal id."""
    if customer.external_id:
        return customer.external_id
    return "anon:" + ",".join(sorted(v.anonymous_id for v in customer.visitors))


def _cart(customer_id: int):
    cart = db.session.get(Cart, customer_id)
    return None if cart is None else (cart.items, cart.total, cart.currency, cart.updated_at, cart.event_id)


def _profile(c: Customer) -> dict:
    orders = db.session.scalars(db.select(Order).where(Order.customer_id == c.id)).all()
    events = db.session.scalars(db.select(CustomerEvent.event_id).where(CustomerEvent.customer_id == c.id)).all()
    return {
        "stage": c.stage, "reason": c.stage_reason, "flags": c.flags, "segment": c.segment,
        "rfm": (c.rfm_recency, c.rfm_frequency, c.rfm_monetary),
        "orders": (c.order_count, c.lifetime_value, c.first_order_at, c.last_order_at, c.max_order_gap_days),
        "order_rows": sorted((o.external_order_id, o.placed_at, o.total, o.refunded_at is not None) for o in orders),
        "profile": (c.email, c.name, c.phone, c.traits),
        "pages": (c.current_page, c.lead_source, c.lead_source_at),
        "facts": (c.first_seen_at, c.last_seen_at, c.engaged_at, c.signed_up_at, c.nps_score, c.nps_at,
                  c.referral_count),
        "cart": _cart(c.id),
        "events": sorted(events),
    }


def _final_state(batches: list[list[dict]]) -> dict:
    _reset()
    for batch in batches:
        result = ingest_events(batch)
        assert not result.rejected, result.rejected
        db.session.remove()  # each batch is its own request
    lifecycle.recompute_lifecycle(NOW)  # the same clock for both runs
    state = {_key(c): _profile(c) for c in db.session.scalars(db.select(Customer))}
    db.session.remove()
    return state


def _newest_carts(events: list[dict]) -> dict[str, str]:
    """Per profile key: the id of the newest cart_updated (by time, then id) it received."""
    owner = {e["anonymous_id"]: e["customer_id"] for e in events if "anonymous_id" in e and "customer_id" in e}
    newest: dict[str, tuple] = {}
    for e in events:
        if e["type"] != "cart_updated":
            continue
        anonymous = e.get("anonymous_id")
        key = e.get("customer_id") or owner.get(anonymous) or f"anon:{anonymous}"
        newest[key] = max(newest.get(key, ("", "")), (e["timestamp"], e["id"]))
    return {key: event_id for key, (_, event_id) in newest.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_final_state_is_independent_of_delivery_order_and_batching(app, data):
    events = data.draw(histories())
    in_order = sorted(events, key=lambda e: (e["timestamp"], e["id"]))
    expected = _final_state([in_order])  # the sorted replay, in one batch
    actual = _final_state(data.draw(deliveries(events)))
    assert actual.keys() == expected.keys()
    for key in expected:
        assert actual[key] == expected[key], key
    for key, event_id in _newest_carts(events).items():
        if key in expected:  # an anonymous id that was linked later is part of its customer
            assert expected[key]["cart"][4] == event_id, key


def test_an_older_cart_in_a_later_batch_or_the_same_batch_never_wins(app):
    older = {"id": "cart-old", "type": "cart_updated", "customer_id": "c1",
             "timestamp": (BASE + timedelta(hours=1)).isoformat(),
             "properties": {"items": _lines(["A"])[0], "currency": "EUR", "total": "10.00"}}
    newer = {**older, "id": "cart-new", "timestamp": (BASE + timedelta(hours=2)).isoformat(),
             "properties": {"items": _lines(["B"])[0], "currency": "EUR", "total": "25.50"}}
    for batches in ([[newer], [older]], [[newer, older]], [[older, newer]], [[older], [newer]]):
        state = _final_state(batches)
        assert state["c1"]["cart"][4] == "cart-new" and state["c1"]["cart"][1] == Decimal("25.50")
