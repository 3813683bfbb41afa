"""Store webhooks through the real server: Shopify order deliveries, signed, to POST /webhooks/shopify.

Run: .venv/bin/python bench/store_webhooks.py [--orders N] [--database-url URL]

Budgets (issue #20): a webhook received, verified, stored and answered with p95 ≤ 50 ms on SQLite;
≥ 200 order webhooks/s sustained from one process. gunicorn as `make run` starts it (one process),
on a fresh migrated database with a store connected by `helpdesk connect-store`. Each delivery is
Shopify's whole order payload (tests/stores/payloads/shopify_order.json) for a new order of one of
500 customers; a quarter are followed by their `orders/updated` (the repeat Shopify sends after
each create) and a twentieth are retried under the same webhook id. Latency is measured one
delivery at a time; throughput with eight concurrent senders. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from workload import ROOT, percentile, server_cpu_seconds, temporary_database

from tests.support.live_server import LiveServer, flask_cli, server_env

SHOP = "bench-teas.myshopify.com"
SECRET = "shpss_bench_0f1e2d3c4b5a69788796a5b4"
ORDER = json.loads((ROOT / "tests" / "stores" / "payloads" / "shopify_order.json").read_text())
BUDGET_P95_MS = 50
BUDGET_PER_S = 200
WARM_UP = 50
SENDERS = 8


def deliveries(count: int, *, seed: int, offset: int) -> list[tuple[str, str, bytes]]:
    """(topic, webhook id, raw body) in delivery order: creates, their updates, some retries."""
    rng = random.Random(seed)
    out = []
    for n in range(offset, offset + count):
        order = copy.deepcopy(ORDER)
        customer = rng.randrange(500)
        order["id"] = 9_000_000_000 + n
        order["name"] = f"#{10_000 + n}"
        order["cart_token"] = f"bench-cart-{n}"
        order["customer"] = order["customer"] | {"id": 7_000_000 + customer, "email": f"buyer{customer}@example.com",
                                                 "updated_at": f"2026-11-{1 + customer % 28:02d}T10:00:00-05:00"}
        body = json.dumps(order).encode()
        out.append(("orders/create", f"create-{n}", body))
        if rng.random() < 0.25:
            updated = json.dumps(order | {"updated_at": "2026-11-30T10:00:00-05:00"}).encode()
            out.append(("orders/updated", f"update-{n}", updated))
        if rng.random() < 0.05:
            out.append(("orders/create", f"create-{n}", body))  # Shopify's retry
    return out


def post(http: requests.Session, url: str, topic: str, webhook_id: str, body: bytes) -> float:
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": SHOP,
               "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Hmac-Sha256": signature,
               "X-Shopify-API-Version": "2025-10"}
    started = time.perf_counter()
    response = http.post(url, data=body, headers=headers, timeout=10)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}: {response.text[:500]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1500,
                        help="orders for the latency run; as many again for throughput")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a temporary database is made on it")
    args = parser.parse_args()
    sequential = deliveries(args.orders + WARM_UP, seed=3, offset=0)
    burst = deliveries(args.orders, seed=5, offset=args.orders + WARM_UP)
    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp), args.database_url) as url:
        env = server_env(Path(tmp), url, HELPDESK_RATE_LIMITS="off", LOG_LEVEL="WARNING")
        flask_cli(env, "db", "upgrade")
        hook = flask_cli(env, "helpdesk", "connect-store", "shopify", "--shop-domain", SHOP,
                         "--webhook-secret", SECRET).strip().splitlines()[-1]
        with LiveServer(env) as server:
            endpoint = server.url + hook[hook.index("/webhooks/"):]
            with requests.Session() as http:
                samples = [post(http, endpoint, *d) for d in sequential]
            samples = samples[WARM_UP:]
            local = __import__("threading").local()

            def send(delivery):
                if not hasattr(local, "http"):
                    local.http = requests.Session()
                return post(local.http, endpoint, *delivery)

            cpu_before, started = server_cpu_seconds(server), time.perf_counter()
            with ThreadPoolExecutor(SENDERS) as pool:
                burst_samples = list(pool.map(send, burst))
            seconds = time.perf_counter() - started
            server_cpu = server_cpu_seconds(server) - cpu_before
    p95 = percentile(samples, 0.95)
    per_s = round(len(burst) / seconds, 1)
    print(json.dumps({
        "database": "postgresql" if args.database_url else "sqlite", "deliveries": len(samples),
        "p50_ms": percentile(samples, 0.5), "p95_ms": p95, "p99_ms": percentile(samples, 0.99),
        "burst_deliveries": len(burst), "burst_p95_ms": percentile(burst_samples, 0.95),
        "webhooks_per_s": per_s, "server_cpu_ms_per_webhook": round(server_cpu * 1000 / len(burst), 2),
        "server_busy_share": round(server_cpu / seconds, 2),
        "budget_p95_ms": BUDGET_P95_MS, "budget_per_s": BUDGET_PER_S,
        "pass": p95 <= BUDGET_P95_MS and per_s >= BUDGET_PER_S,
    }))


if __name__ == "__main__":
    main()
