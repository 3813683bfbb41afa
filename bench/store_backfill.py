"""Importing a store's history: 100,000 orders from the fake Shopify GraphQL Admin API
(tests/support/fake_shopify.py, on loopback), through the connector's own client and import.

Run: .venv/bin/python bench/store_backfill.py [--orders N] [--page-size N] [--database-url URL]

Budget (issue #20): ≥ 1,000 orders/s when the API is not the limit. A fresh migrated database, a
store connected as `connect-store` does, then `backfill.run` in this process (what `import-store`
and the job do). The fake's generated history is one order a minute over 5,000 customers, each order
of 1 to 3 lines, all inside the import's window. The time is split between reading the API
(client and fake: measured alone first, the API's own limit) and the whole import. The run checks
its result: as many orders stored as the fake holds, and each customer's order count right.
Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from workload import temporary_database

from app import create_app
from app.extensions import db
from app.models import Customer, Order, StoreConnection
from app.services.platform.audit import CLI
from app.services.stores import backfill, connections
from app.services.stores.shopify_api import ShopifyApi
from config import TestConfig
from tests.support.fake_shopify import FakeShopify

BUDGET_PER_S = 1000
SHOP = "bench-teas.myshopify.com"


def read_only(fake: FakeShopify, since: datetime, page_size: int) -> float:
    """Seconds to page through the fake's orders with the client alone (the API's own limit)."""
    started, cursor = time.perf_counter(), None
    with ShopifyApi(SHOP, fake.token, api_url=fake.url) as api:
        while True:
            page = api.orders_page(since, cursor, first=page_size)
            cursor = page.next
            if cursor is None:
                return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a temporary database is made on it")
    args = parser.parse_args()
    start = datetime.now(UTC) - timedelta(minutes=args.orders + 60)
    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp), args.database_url) as url, \
            FakeShopify(generated_orders=args.orders, generated_start=start, domain=SHOP) as fake:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, HELPDESK_DATA_DIR=tmp, HELPDESK_JOBS="eager")
        with app.app_context():
            db.create_all()
            store = connections.connect("shopify", shop=SHOP, webhook_secret="whsec_bench", access_token=fake.token,
                                        api_url=fake.url, by=CLI)
            since = start - timedelta(days=1)
            api_seconds = read_only(fake, since, 250)
            backfill.start(store.id, months=3, queue=False)
            started = time.perf_counter()
            state = backfill.run(store.id)
            seconds = time.perf_counter() - started
            stored = db.session.scalar(db.select(db.func.count(Order.id)))
            customers = db.session.scalar(db.select(db.func.count(Customer.id)))
            counted = db.session.scalar(db.select(db.func.sum(Customer.order_count)))
            final = db.session.get(StoreConnection, store.id).backfill
    per_s = round(args.orders / seconds, 1)
    ok = state.get("status") == "done" and stored == args.orders == counted
    print(json.dumps({
        "database": "postgresql" if args.database_url else "sqlite", "orders": args.orders, "stored": stored,
        "customers": customers, "seconds": round(seconds, 1), "orders_per_s": per_s,
        "api_only_orders_per_s": round(args.orders / api_seconds, 1), "events": final.get("events"),
        "checks": ok, "budget_per_s": BUDGET_PER_S, "pass": ok and per_s >= BUDGET_PER_S,
    }))


if __name__ == "__main__":
    main()
