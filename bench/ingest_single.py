"""Latency of one event over HTTP: POST /api/v1/events with a single event, through the real server.

Run: .venv/bin/python bench/ingest_single.py [--requests N] [--database-url URL]

Budget (issue #3): p95 ≤ 15 ms. gunicorn as `make run` starts it, on a fresh migrated database
(SQLite by default; a temporary database on the given PostgreSQL server otherwise), rate limits
off, one API key. Events are the realistic mix of bench/workload.py over 2,000 customers, sent one
request at a time after a warm-up. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import requests
from workload import Workload, percentile, temporary_database

from tests.support.live_server import LiveServer, flask_cli, server_env

BUDGET_P95_MS = 15
WARM_UP = 100


def prepared(tmp: Path, database_url: str) -> dict:
    """A migrated database and the server's environment for it."""
    env = server_env(tmp, database_url, HELPDESK_RATE_LIMITS="off", LOG_LEVEL="WARNING")
    flask_cli(env, "db", "upgrade")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a temporary database is made on it")
    args = parser.parse_args()
    events = list(Workload(args.customers, seed=11).events(args.requests + WARM_UP))
    bodies = [json.dumps(e) for e in events]
    samples, statuses = [], {}
    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp), args.database_url) as url:
        env = prepared(Path(tmp), url)
        key = flask_cli(env, "helpdesk", "create-api-key", "--name", "bench").strip()
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        with LiveServer(env) as server, requests.Session() as http:
            for n, body in enumerate(bodies):
                started = time.perf_counter()
                response = http.post(server.url + "/api/v1/events", data=body, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code != 202:
                    raise SystemExit(f"HTTP {response.status_code}: {response.text[:500]}")
                if n >= WARM_UP:
                    samples.append(elapsed)
    p95 = percentile(samples, 0.95)
    print(json.dumps({
        "database": "postgresql" if args.database_url else "sqlite", "requests": len(samples),
        "p50_ms": percentile(samples, 0.5), "p95_ms": p95, "p99_ms": percentile(samples, 0.99),
        "max_ms": round(max(samples), 2), "statuses": statuses, "budget_p95_ms": BUDGET_P95_MS,
        "pass": p95 <= BUDGET_P95_MS,
    }))


if __name__ == "__main__":
    main()
