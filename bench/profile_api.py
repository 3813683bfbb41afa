"""Latency of the profile API with 100,000 customers and 1,000,000 events behind it.

Run: .venv/bin/python bench/profile_api.py [--customers N] [--events N] [--requests N] [--database-url URL]

Budget (issue #3): p95 ≤ 25 ms for GET /api/v1/customers/<id> over HTTP. Setup migrates a fresh
database with `flask db upgrade`, then writes realistic rows directly with Core executemany
(profiles with facts and the stage the rules give them, visitor ids, events, carts, orders with
items, stage history) because 1M events through ingestion would make setup the slow part; then
ANALYZE, as a live database has statistics. Only the measured requests go through the real server
(gunicorn). Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import requests
from workload import SKUS, percentile, temporary_database

from tests.support.live_server import LiveServer, flask_cli, server_env

BUDGET_P95_MS = 25
CHUNK = 20_000
EVENT_TYPES = ["page_viewed"] * 5 + ["product_viewed"] * 3 + ["cart_updated"] * 2 + ["identify"]


class Loader:
    """Builds rows for `customers` profiles and writes them in chunks."""

    def __init__(self, customers: int, events: int, seed: int = 5) -> None:
        from app.services.customers.lifecycle_rules import LifecycleRules

        self.rng = random.Random(seed)
        self.n, self.events = customers, events
        self.now = datetime.now(UTC)
        self.rules = LifecycleRules()
        self.rows: dict[str, list[dict]] = {t: [] for t in (
            "customers", "anonymous_visitors", "customer_events", "carts", "orders", "order_items",
            "stage_transitions")}
        self.order_id = self.item_id = 0

    def _orders(self, cid: int, first_seen: datetime) -> list[tuple[datetime, Decimal]]:
        count = self.rng.choices([0, 1, 2, 4, 12], weights=[55, 25, 10, 7, 3])[0]
        placed = sorted(first_seen + timedelta(days=self.rng.uniform(0, (self.now - first_seen).days or 1))
                        for _ in range(count))
        result = []
        for at in placed:
            self.order_id += 1
            lines = [self.rng.choice(SKUS) for _ in range(self.rng.randint(1, 3))]
            total = sum((Decimal(price) for _, _, price in lines), Decimal("0"))
            refunded = at + timedelta(days=3) if self.rng.random() < 0.03 else None
            self.rows["orders"].append({"id": self.order_id, "external_order_id": f"ord-{self.order_id}",
                                        "customer_id": cid, "placed_at": at, "total": total, "currency": "EUR",
                                        "refunded_at": refunded})
            for sku, name, price in lines:
                self.item_id += 1
                self.rows["order_items"].append({"id": self.item_id, "order_id": self.order_id, "sku": sku,
                                                 "name": name, "quantity": 1, "unit_price": Decimal(price)})
            if refunded is None:
                result.append((at, total))
        return result

    def customer(self, cid: int) -> dict:
        from app.services.customers.lifecycle_rules import Facts, assess

        first_seen = self.now - timedelta(days=self.rng.uniform(1, 720))
        placed = self._orders(cid, first_seen)
        gaps = [(b[0] - a[0]).days for a, b in zip(placed, placed[1:], strict=False)]
        identified = self.rng.random() < 0.8 or bool(placed)
        facts = Facts(identified=identified, signed_up=identified and self.rng.random() < 0.5, engaged=True,
                      order_count=len(placed), lifetime_value=sum((t for _, t in placed), Decimal("0")),
                      first_order_at=placed[0][0] if placed else None,
                      last_order_at=placed[-1][0] if placed else None, max_order_gap_days=max(gaps, default=0))
        result = assess(facts, self.rules, self.now)
        row = {
            "id": cid, "external_id": f"cust-{cid:06d}" if identified else None,
            "email": f"cust{cid}@example.com" if identified else None,
            "name": f"Customer {cid}" if identified else None, "traits": {"plan": "plus"},
            "first_seen_at": first_seen, "last_seen_at": self.now - timedelta(hours=cid % 500),
            "lead_source": {"utm_source": "google"}, "lead_source_at": first_seen,
            "signed_up_at": first_seen if facts.signed_up else None, "engaged_at": first_seen,
            "order_count": facts.order_count, "lifetime_value": facts.lifetime_value,
            "first_order_at": facts.first_order_at, "last_order_at": facts.last_order_at,
            "max_order_gap_days": facts.max_order_gap_days, "referral_count": 0, "stage": result.stage,
            "stage_reason": result.reason, "stage_changed_at": facts.last_order_at or first_seen,
            "segment": result.segment, "rfm_recency": result.rfm[0], "rfm_frequency": result.rfm[1],
            "rfm_monetary": result.rfm[2], **{f"is_{flag}": flag in result.flags for flag in
                                              ("at_risk", "churned", "reactivated", "vip")},
        }
        self._history(cid, first_seen, result.stage, result.reason)
        return row

    def _history(self, cid: int, first_seen: datetime, stage: str, reason: str) -> None:
        path = ["reach", "acquisition", "conversion", "retention", "loyalty"]
        steps = path[: path.index(stage) + 1]
        for n, to_stage in enumerate(steps):
            self.rows["stage_transitions"].append({
                "customer_id": cid, "from_stage": steps[n - 1] if n else None, "to_stage": to_stage,
                "occurred_at": first_seen + timedelta(days=n), "reason": reason, "event_id": f"seed-{cid}-{n}"})
        self.rows["anonymous_visitors"].append({"anonymous_id": f"anon-{cid:06d}", "customer_id": cid,
                                                "first_seen_at": first_seen})
        if self.rng.random() < 0.3:
            lines = [{"sku": s, "name": n, "quantity": 1, "unit_price": p} for s, n, p in self.rng.sample(SKUS, 2)]
            self.rows["carts"].append({"customer_id": cid, "items": lines, "item_count": 2, "currency": "EUR",
                                       "total": sum(Decimal(i["unit_price"]) for i in lines),
                                       "updated_at": self.now - timedelta(hours=cid % 300), "event_id": f"cart-{cid}"})

    def event_rows(self, start: int, count: int, external: dict[int, str | None]) -> list[dict]:
        rows = []
        for n in range(start, start + count):
            cid = self.rng.randint(1, self.n)
            kind = self.rng.choice(EVENT_TYPES)
            rows.append({"event_id": f"evt-{n:08d}", "type": kind, "customer_id": cid,
                         "external_customer_id": external[cid], "anonymous_id": f"anon-{cid:06d}",
                         "occurred_at": self.now - timedelta(minutes=n % 500_000), "received_at": self.now,
                         "source": "api", "properties": {"url": f"https://shop.example/p/{n % 997}"}})
        return rows


def load(database_url: str, data_dir: Path, customers: int, events: int) -> list[str]:
    """Fill the migrated database; returns the external ids of the identified customers."""
    from app import create_app
    from app.extensions import db
    from config import DevelopmentConfig

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=database_url, HELPDESK_DATA_DIR=str(data_dir),
                     LOG_LEVEL="WARNING")
    loader = Loader(customers, events)
    with app.app_context():
        tables = db.metadata.tables
        external = {}
        for start in range(1, customers + 1, CHUNK):
            rows = [loader.customer(cid) for cid in range(start, min(start + CHUNK, customers + 1))]
            external.update({r["id"]: r["external_id"] for r in rows})
            loader.rows["customers"] = rows
            _flush(db, tables, loader.rows)
        for start in range(0, events, CHUNK):
            loader.rows["customer_events"] = loader.event_rows(start, min(CHUNK, events - start), external)
            _flush(db, tables, loader.rows)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        db.engine.dispose()
    return [e for e in external.values() if e]


def _flush(db, tables, rows: dict[str, list[dict]]) -> None:
    """Write and clear the buffered rows, parents first, one transaction."""
    with db.engine.begin() as conn:
        for name, buffered in rows.items():
            if buffered:
                conn.execute(tables[name].insert(), buffered)
                buffered.clear()


def measure(server_url: str, key: str, ids: list[str], n: int) -> list[float]:
    rng, samples = random.Random(9), []
    headers = {"Authorization": f"Bearer {key}"}
    with requests.Session() as http:
        for i in range(n + 50):
            external_id = rng.choice(ids)
            started = time.perf_counter()
            response = http.get(f"{server_url}/api/v1/customers/{external_id}", headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{external_id}: HTTP {response.status_code} {response.text[:300]}")
            if i >= 50:  # after a warm-up
                samples.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a temporary database is made on it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp), args.database_url) as url:
        env = server_env(Path(tmp), url, HELPDESK_RATE_LIMITS="off", LOG_LEVEL="WARNING")
        flask_cli(env, "db", "upgrade")
        key = flask_cli(env, "helpdesk", "create-api-key", "--name", "bench").strip()
        started = time.perf_counter()
        ids = load(url, Path(tmp), args.customers, args.events)
        setup_s = time.perf_counter() - started
        with LiveServer(env) as server:
            samples = measure(server.url, key, ids, args.requests)
    p95 = percentile(samples, 0.95)
    print(json.dumps({
        "database": "postgresql" if args.database_url else "sqlite", "customers": args.customers,
        "events": args.events, "requests": len(samples), "setup_s": round(setup_s, 1),
        "p50_ms": percentile(samples, 0.5), "p95_ms": p95, "p99_ms": percentile(samples, 0.99),
        "budget_p95_ms": BUDGET_P95_MS, "pass": p95 <= BUDGET_P95_MS,
    }))


if __name__ == "__main__":
    main()
