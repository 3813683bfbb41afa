"""Migration e18a0c0f5e01 (orders.confirmed): existing orders a page claimed, and that the server
never placed for the customer holding them, become unconfirmed; all others confirmed. Both databases."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.models import Customer, CustomerEvent
from config import TestConfig
from tests.support import services

BEFORE, THIS = "5b0e2c7d9a14", "e18a0c0f5e01"
WHEN = datetime(2026, 11, 20, 10, tzinfo=UTC)
# The orders table as it was before this revision (the model now names `confirmed` too).
ORDERS = sa.table("orders", sa.column("external_order_id"), sa.column("customer_id"), sa.column("placed_at"),
                  sa.column("total"))
# order id → (holder, the events the log has about it: (source, type, customer))
HISTORY = {
    "server": ("c1", [("api", "order_placed", "c1")]),
    "claim": ("c1", [("browser", "order_placed", "c1")]),
    "claim-then-server": ("c1", [("browser", "order_placed", "c1"), ("api", "order_placed", "c1")]),
    "squatted": ("c1", [("browser", "order_placed", "c1"), ("api", "order_placed", "c2")]),
    "claim-refunded": ("c1", [("browser", "order_placed", "c1"), ("api", "order_refunded", "c1")]),
    "refund-placeholder": ("c2", [("api", "order_refunded", "c2")]),
    "demo": ("c2", [("demo", "order_placed", "c2")]),
    "no-events": ("c2", []),
}
UNCONFIRMED = {"claim", "squatted", "claim-refunded"}


def _seed() -> None:
    """The rows as the code before this revision wrote them: Core inserts of the columns it had."""
    ids = {key: db.session.execute(sa.insert(Customer.__table__).values(external_id=key)).inserted_primary_key[0]
           for key in ("c1", "c2")}
    for n, (order_id, (holder, events)) in enumerate(HISTORY.items()):
        db.session.execute(sa.insert(ORDERS).values(external_order_id=order_id, customer_id=ids[holder],
                                                    placed_at=WHEN, total=10))
        for k, (source, kind, who) in enumerate(events):
            event_id = f"{'web:' if source == 'browser' else ''}e{n}-{k}"
            db.session.execute(sa.insert(CustomerEvent.__table__).values(
                event_id=event_id, type=kind, customer_id=ids[who], external_customer_id=who, occurred_at=WHEN,
                source=source, properties={"order_id": order_id}))
    db.session.commit()


def _confirmed() -> dict[str, bool]:
    rows = db.session.execute(sa.text("SELECT external_order_id, confirmed FROM orders")).all()
    db.session.rollback()
    return {order_id: bool(confirmed) for order_id, confirmed in rows}


def _marks_claims_unconfirmed(database_url: str, tmp_path) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, HELPDESK_DATA_DIR=str(tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
        _seed()
        upgrade(revision=THIS)
        assert _confirmed() == {order_id: order_id not in UNCONFIRMED for order_id in HISTORY}
        downgrade(revision=BEFORE)
        assert "confirmed" not in {c["name"] for c in sa.inspect(db.engine).get_columns("orders")}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ORDERS)) == len(HISTORY)
        db.session.remove()
        db.engine.dispose()


def test_existing_claims_become_unconfirmed_on_sqlite(tmp_path):
    _marks_claims_unconfirmed(f"sqlite:///{tmp_path / 'm.db'}", tmp_path)


@pytest.mark.postgres
def test_existing_claims_become_unconfirmed_on_postgresql(tmp_path):
    with services.throwaway_postgres_database("helpdesk_orders_migration") as url:
        _marks_claims_unconfirmed(url, tmp_path)
