"""Importing a store's history (import-store, and the job Settings › Store starts): customers and
orders of the last N months from the store's API, each customer in the stage they are in now with
a history that reads as it happened; an import that stops resumes with nothing lost or doubled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Customer, Order, StageTransition, StoreConnection
from app.services.customers import lifecycle
from app.services.customers.lifecycle_rules import assess
from app.services.platform.audit import CLI
from app.services.stores import backfill, connections
from tests.support.fake_shopify import FakeShopify

SHOP = "tea-and-things.myshopify.com"
TOKEN = "shpat_fake_token"


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _customer(number: int, when: datetime) -> dict:
    return {"id": 900 + number, "email": f"buyer{number}@example.com", "first_name": "Buyer", "last_name": str(number),
            "phone": None, "state": "enabled", "created_at": _iso(when), "updated_at": _iso(when),
            "orders_count": 0, "total_spent": "0.00", "tags": "", "default_address": None}


def _order(number: int, customer: dict | None, when: datetime, total: str = "40.00", **extra) -> dict:
    return {"id": 5000 + number, "name": f"#{1000 + number}",
            "email": (customer or {}).get("email", "guest@example.com"),
            "created_at": _iso(when), "updated_at": _iso(when), "currency": "EUR", "total_price": total,
            "financial_status": "paid", "fulfillment_status": None, "cancelled_at": None, "cart_token": None,
            "checkout_token": None, "refunds": [], "customer": customer,
            "line_items": [{"id": 70000 + number, "product_id": 1, "variant_id": 2, "sku": "TEA-1", "title": "Sencha",
                            "quantity": 2, "price": str(float(total) / 2)}], **extra}


@pytest.fixture
def history():
    now = datetime.now(UTC)
    ann, bo = _customer(1, now - timedelta(days=300)), _customer(2, now - timedelta(days=200))
    orders = [_order(1, ann, now - timedelta(days=240)),  # one order, eight months ago
              _order(2, bo, now - timedelta(days=20)), _order(3, bo, now - timedelta(days=5)),
              _order(4, None, now - timedelta(days=3), email="guest@example.com",
                     billing_address={"first_name": "Gus", "last_name": "Guest"}),
              _order(5, ann, now - timedelta(days=500))]  # before the window: not imported
    with FakeShopify(token=TOKEN, orders=orders, customers=[ann, bo]) as fake:
        yield fake


@pytest.fixture
def store(any_app, history):
    return connections.connect("shopify", shop=SHOP, webhook_secret="whsec_1", access_token=TOKEN,
                               api_url=history.url, by=CLI)


def customer(external_id: str) -> Customer:
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def test_the_import_gives_each_customer_todays_stage_and_a_history_as_it_happened(store):
    state = backfill.start(store.id, months=12)
    assert state["status"] == "queued"  # the job runs at once in tests (eager jobs)
    db.session.expire_all()
    state = db.session.get(StoreConnection, store.id).backfill
    assert (state["status"], state["customers"], state["orders"]) == ("done", 2, 4)
    ann, bo = customer("901"), customer("902")
    assert (ann.order_count, bo.order_count) == (1, 2)
    assert customer("email:guest@example.com").order_count == 1
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 4
    rules, now = lifecycle.current_rules(), datetime.now(UTC)
    for c in (ann, bo):
        assert c.stage == assess(lifecycle.facts_of(c), rules, now).stage
    # Ann's one order made her a buyer then, whatever she is today
    moves = db.session.scalars(db.select(StageTransition).where(StageTransition.customer_id == ann.id)
                               .order_by(StageTransition.occurred_at)).all()
    assert "conversion" in [m.to_stage for m in moves]
    conversion = next(m for m in moves if m.to_stage == "conversion")
    assert abs((conversion.occurred_at - (now - timedelta(days=240))).days) <= 1


def test_an_import_that_stops_resumes_with_nothing_lost_or_doubled(store, history, any_app):
    any_app.config["HELPDESK_STORE_API_ATTEMPTS"] = 1  # retries with backoff are the client's tests'
    history.fail_next(500, times=50, field="orders")  # the store's API down
    backfill.start(store.id, months=12)
    db.session.expire_all()
    stopped = db.session.get(StoreConnection, store.id).backfill
    assert stopped["status"] == "failed" and stopped["error"] and stopped["phase"] == "orders"
    history._failures.clear()
    backfill.start(store.id)  # resumes where it stopped
    db.session.expire_all()
    state = db.session.get(StoreConnection, store.id).backfill
    assert state["status"] == "done" and state["customers"] == 2 and state["orders"] == 4
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 4
    assert customer("902").order_count == 2


def test_import_store_runs_from_the_command_line(store, any_app):
    result = any_app.test_cli_runner().invoke(args=["helpdesk", "import-store", "--months", "12"])
    assert result.exit_code == 0, result.output
    assert "done, 2 customers, 4 orders" in result.output


def test_an_import_without_an_access_token_says_what_is_missing(any_app):
    bare = connections.connect("shopify", shop=SHOP, webhook_secret="whsec_1", by=CLI)
    with pytest.raises(Exception, match="access token"):
        backfill.start(bare.id)
