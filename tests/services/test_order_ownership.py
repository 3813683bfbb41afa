"""Order-id squatting: the shop's server is the source of truth for orders. A verified shopper's
browser may claim an order id (order_placed from the page), but the claim is provisional: the
server's order_placed or order_refunded for that id takes it over, and a claim never touches an
order that is not its own. Written as the attacker would play it, through the real entry points:
the page's POST /api/v1/widget/events (with a valid user_hash) and the server's POST /api/v1/events
(with an API key), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Customer, Order, StageTransition
from app.services.access import api_keys, widget_identity
from app.services.platform.audit import CLI
from app.services.shop_events.browser import record_browser_events
from app.services.shop_events.ingestion import ingest_events

SHOP = "https://shop.example"
# Inside the post-purchase window, so that one order means conversion.
START = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
REAL = {"items": [{"sku": "TV-55", "name": "Television", "quantity": 1, "unit_price": "499.00"}],
        "currency": "EUR", "total": "499.00"}
FAKE = {"items": [{"sku": "GUM", "name": "Chewing gum", "quantity": 1, "unit_price": "0.50"}],
        "currency": "USD", "total": "0.50"}


def when(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def order_event(event_id: str, kind: str, order_id: str, minutes: int, content: dict | None = None) -> dict:
    properties = {"order_id": order_id, **(content or {})}
    return {"id": event_id, "type": kind, "timestamp": when(minutes).isoformat(), "properties": properties}


class Shop:
    """The shop's two ways in: its server (API key) and its pages (a verified shopper's browser)."""

    def __init__(self, client, api_key: str):
        self.client, self.api_key = client, api_key

    def server(self, customer: str, *events: dict) -> dict:
        batch = [{**e, "customer_id": customer} for e in events]
        response = self.client.post("/api/v1/events", json={"batch": batch},
                                    headers={"Authorization": f"Bearer {self.api_key}"})
        assert response.status_code == 202, response.get_data(as_text=True)
        return response.json

    def browser(self, customer: str, *events: dict) -> dict:
        body = {"anonymous_id": f"anon-{customer}", "customer_id": customer,
                "user_hash": widget_identity.user_hash(customer), "events": list(events)}
        response = self.client.post("/api/v1/widget/events", json=body, headers={"Origin": SHOP})
        assert response.status_code == 202, response.get_data(as_text=True)
        return response.json


@pytest.fixture
def shop(any_app) -> Shop:
    any_app.config["HELPDESK_ALLOWED_ORIGINS"] = [SHOP]
    return Shop(any_app.test_client(), api_keys.create_api_key("Shop", by=CLI).secret)


def customer(external_id: str) -> Customer:
    db.session.expire_all()
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def orders_of(external_id: str) -> list[tuple]:
    """Each order of the customer as the agents see it: id, time, total, currency, items, refunded."""
    rows = db.session.scalars(db.select(Order).join(Customer, Customer.id == Order.customer_id)
                              .where(Customer.external_id == external_id).order_by(Order.external_order_id))
    return [(o.external_order_id, o.placed_at, o.total, o.currency,
             [(i.sku, i.name, i.quantity, i.unit_price) for i in o.items], o.refunded_at is not None)
            for o in rows]


def facts(external_id: str) -> tuple:
    c = customer(external_id)
    return c.order_count, c.lifetime_value or Decimal("0"), c.first_order_at, c.last_order_at, c.stage


REAL_LINES = [("TV-55", "Television", 1, Decimal("499.00"))]
B_HAS_THE_REAL_ORDER = [("1001", when(10), Decimal("499.00"), "EUR", REAL_LINES, False)]
B_BOUGHT_ONCE = (1, Decimal("499.00"), when(10), when(10), "conversion")
A_BOUGHT_NOTHING = (0, Decimal("0"), None, None, "acquisition")  # identified and engaged, no order


def test_a_squatted_order_id_goes_to_the_customer_the_server_names(shop):
    """(1) A's page claims order 1001 first; the shop's server then places 1001 for B."""
    shop.browser("cust-a", order_event("squat", "order_placed", "1001", 0, FAKE))
    assert facts("cust-a")[0] == 1 and customer("cust-a").stage == "conversion"  # the claim counts, for now

    shop.server("cust-b", order_event("srv-1001", "order_placed", "1001", 10, REAL))

    assert orders_of("cust-b") == B_HAS_THE_REAL_ORDER
    assert facts("cust-b") == B_BOUGHT_ONCE
    assert orders_of("cust-a") == [] and facts("cust-a") == A_BOUGHT_NOTHING
    # A's stage was reassessed by the server's event, and the history says so.
    last = db.session.scalar(db.select(StageTransition).where(StageTransition.customer_id == customer("cust-a").id)
                             .order_by(StageTransition.occurred_at.desc(), StageTransition.id.desc()).limit(1))
    assert (last.from_stage, last.to_stage, last.event_id) == ("conversion", "acquisition", "srv-1001")
    assert db.session.scalar(db.select(Order.confirmed).where(Order.external_order_id == "1001")) is True


def test_the_previous_owner_is_among_the_customers_the_batch_touched(any_app):
    """The server's batch reports (and announces to agents) the customer the order was taken from."""
    record_browser_events({"anonymous_id": "anon-a", "customer_id": "cust-a",
                           "user_hash": widget_identity.user_hash("cust-a"),
                           "events": [order_event("squat", "order_placed", "1001", 0, FAKE)]})
    result = ingest_events([{**order_event("srv-1001", "order_placed", "1001", 10, REAL), "customer_id": "cust-b"}],
                           source="api")
    assert set(result.customer_ids) == {customer("cust-a").id, customer("cust-b").id}


def test_a_late_claim_with_an_earlier_time_does_not_touch_the_real_order(shop):
    """(2) The server placed 1001 for B; A's page then claims 1001 with an earlier time."""
    shop.server("cust-b", order_event("srv-1001", "order_placed", "1001", 10, REAL))
    honest = shop.browser("cust-a", order_event("own", "order_placed", "2002", 1, FAKE))

    answer = shop.browser("cust-a", order_event("squat", "order_placed", "1001", 0, FAKE))

    assert answer == honest == {"accepted": 1, "duplicates": 0, "rejected": []}  # nothing tells A the id is taken
    assert orders_of("cust-b") == B_HAS_THE_REAL_ORDER and facts("cust-b") == B_BOUGHT_ONCE
    assert [o[0] for o in orders_of("cust-a")] == ["2002"]  # A keeps only A's own claim


def test_another_browser_cannot_take_over_a_claim_either(shop):
    """A claim is the claimant's until the server speaks: a second shopper's claim changes nothing."""
    shop.browser("cust-a", order_event("claim-a", "order_placed", "1001", 5, REAL))
    shop.browser("cust-c", order_event("claim-c", "order_placed", "1001", 0, FAKE))
    assert [o[:4] for o in orders_of("cust-a")] == [("1001", when(5), Decimal("499.00"), "EUR")]
    assert orders_of("cust-c") == [] and facts("cust-c")[0] == 0


def test_the_server_confirms_a_shoppers_own_claim_with_its_values(shop):
    """(3) The honest case: A's page reports order 1002, the server later sends it for A with its
    own figures (shipping added) and time: one order, on A, confirmed, with the server's values."""
    shop.browser("cust-a", order_event("page-1002", "order_placed", "1002", 0, FAKE))
    shop.server("cust-a", order_event("srv-1002", "order_placed", "1002", 3, REAL))

    assert orders_of("cust-a") == [("1002", when(3), Decimal("499.00"), "EUR", REAL_LINES, False)]
    assert facts("cust-a") == (1, Decimal("499.00"), when(3), when(3), "conversion")
    assert db.session.scalar(db.select(Order.confirmed).where(Order.external_order_id == "1002")) is True


def test_a_shoppers_later_page_event_does_not_change_a_confirmed_order(shop):
    """Once the server has spoken, the shopper's own page cannot rewrite the order (earlier time)."""
    shop.server("cust-a", order_event("srv-1002", "order_placed", "1002", 3, REAL))
    shop.browser("cust-a", order_event("page-1002", "order_placed", "1002", 0, FAKE))
    assert orders_of("cust-a") == [("1002", when(3), Decimal("499.00"), "EUR", REAL_LINES, False)]


HONEST = [("browser", "cust-a", "page", "1002", 0, FAKE), ("server", "cust-a", "srv", "1002", 3, REAL)]
ATTACK = [("browser", "cust-a", "squat", "1001", 0, FAKE), ("server", "cust-b", "srv", "1001", 10, REAL)]


@pytest.mark.parametrize("story", ["honest", "attack"])
@pytest.mark.parametrize("arrival", ["browser first", "server first"])
def test_the_final_state_does_not_depend_on_which_arrives_first(shop, story, arrival):
    """(4) Browser then server, or server then browser: the same orders and order facts."""
    steps = HONEST if story == "honest" else ATTACK
    for way, who, event_id, order_id, minutes, content in (steps if arrival == "browser first" else steps[::-1]):
        getattr(shop, way)(who, order_event(event_id, "order_placed", order_id, minutes, content))

    if story == "honest":
        assert orders_of("cust-a") == [("1002", when(3), Decimal("499.00"), "EUR", REAL_LINES, False)]
        assert facts("cust-a") == (1, Decimal("499.00"), when(3), when(3), "conversion")
    else:
        assert orders_of("cust-b") == B_HAS_THE_REAL_ORDER and facts("cust-b") == B_BOUGHT_ONCE
        assert orders_of("cust-a") == [] and facts("cust-a") == A_BOUGHT_NOTHING
    assert db.session.scalars(db.select(Order.confirmed)).all() == [True]


@pytest.mark.parametrize("arrival", ["claim first", "refund first"])
def test_a_server_refund_takes_a_squatted_id_without_the_claims_content(shop, arrival):
    """(5) A claims 1003; the server refunds 1003 for B (before or after the claim). The order is B's,
    refunded, and none of what A typed (items, total, time) appears on B's profile."""
    claim = order_event("squat", "order_placed", "1003", 0, FAKE)
    refund = order_event("srv-refund", "order_refunded", "1003", 20)
    if arrival == "claim first":
        shop.browser("cust-a", claim)
        shop.server("cust-b", refund)
    else:
        shop.server("cust-b", refund)
        shop.browser("cust-a", claim)

    assert orders_of("cust-a") == [] and facts("cust-a") == A_BOUGHT_NOTHING
    assert orders_of("cust-b") == [("1003", None, Decimal("0"), None, [], True)]  # a placeholder, as for a new id
    assert facts("cust-b")[0] == 0

    shop.server("cust-b", order_event("srv-1003", "order_placed", "1003", 10, REAL))  # the order itself, late
    assert orders_of("cust-b") == [("1003", when(10), Decimal("499.00"), "EUR", REAL_LINES, True)]
    assert facts("cust-b")[:2] == (0, Decimal("0")) and orders_of("cust-a") == []


def test_a_refund_from_anything_but_the_server_changes_nothing(any_app):
    """Pages may not send refunds at all (browser_events refuses them); should one reach the order
    rules from the browser anyway, it is ignored rather than refunding someone's order."""
    ingest_events([{**order_event("srv-1001", "order_placed", "1001", 10, REAL), "customer_id": "cust-b"}])
    ingest_events([{**order_event("web:refund", "order_refunded", "1001", 20), "customer_id": "cust-a"}],
                  source="browser")
    assert orders_of("cust-b") == B_HAS_THE_REAL_ORDER and facts("cust-b") == B_BOUGHT_ONCE
