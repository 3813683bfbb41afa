"""Batch ingestion throughput: 100,000 realistic events over 10,000 customers, in batches of 500.

Run: .venv/bin/python bench/ingest_batch.py [--events N] [--customers N] [--database-url URL] [--no-http]

Budget (issue #3): at least 1,500 events/s sustained on SQLite on a 2-core machine, lifecycle
updates included. The service run calls `ingest_events` (validation, idempotent insert, profiles,
effects, lifecycle, commit) on a fresh, migrated database; the HTTP run posts the same stream to
the real gunicorn server (SQLite only), each body serialised before the clock starts.
Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from workload import Workload, percentile, temporary_database

WINDOW = 10_000  # "sustained": the slowest stretch of this many events is reported too


def batches(events: list[dict], size: int) -> list[list[dict]]:
    return [events[i:i + size] for i in range(0, len(events), size)]


def summarise(prefix: str, timings: list[tuple[int, float]]) -> dict:
    """events/s overall and over the slowest WINDOW-event stretch, and batch latency."""
    total_events = sum(n for n, _ in timings)
    total_time = sum(t for _, t in timings)
    per_window, slowest = max(1, WINDOW // max(timings[0][0], 1)), float("inf")
    for i in range(0, max(len(timings) - per_window + 1, 1)):
        chunk = timings[i:i + per_window]
        slowest = min(slowest, sum(n for n, _ in chunk) / sum(t for _, t in chunk))
    windows = [timings[i:i + per_window] for i in range(0, len(timings), per_window)]
    return {
        f"{prefix}_each_{WINDOW}_events_per_s": [round(sum(n for n, _ in w) / sum(t for _, t in w)) for w in windows],
        f"{prefix}_events_per_s": round(total_events / total_time, 1),
        f"{prefix}_slowest_{WINDOW}_events_per_s": round(slowest, 1),
        f"{prefix}_batch_p50_ms": percentile([t * 1000 for _, t in timings], 0.5),
        f"{prefix}_batch_p95_ms": percentile([t * 1000 for _, t in timings], 0.95),
        f"{prefix}_seconds": round(total_time, 1),
    }


def run_service(events: list[dict], size: int, database_url: str, data_dir: Path) -> dict:
    """Ingest through the service layer, in one app context, as the API view does per request."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Customer, CustomerEvent, Order, StageTransition
    from app.services.shop_events.ingestion import ingest_events
    from config import DevelopmentConfig

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=database_url, HELPDESK_DATA_DIR=str(data_dir),
                     LOG_LEVEL="WARNING")
    timings, accepted, duplicates, rejected = [], 0, 0, 0
    with app.app_context():
        upgrade()
        for batch in batches(events, size):
            started = time.perf_counter()
            result = ingest_events(batch)
            timings.append((len(batch), time.perf_counter() - started))
            db.session.remove()  # a request ends here: the next batch starts with an empty session
            accepted, duplicates = accepted + result.accepted, duplicates + result.duplicates
            rejected += len(result.rejected)
        counts = {name: db.session.scalar(select(func.count()).select_from(model))
                  for name, model in (("rows_events", CustomerEvent), ("rows_customers", Customer),
                                      ("rows_orders", Order), ("rows_transitions", StageTransition))}
        stages = dict(db.session.execute(select(Customer.stage, func.count()).group_by(Customer.stage)).all())
        db.session.remove()
        db.engine.dispose()
    distinct = len({e["id"] for e in events})
    if counts["rows_events"] != distinct or rejected:
        raise SystemExit(f"stored {counts['rows_events']} events for {distinct} distinct ids, {rejected} rejected")
    return {**summarise("service", timings), "accepted": accepted, "duplicates": duplicates, **counts,
            "stages": stages}


def run_http(events: list[dict], size: int, tmp: Path) -> dict:
    """POST the batches to the real server (gunicorn, SQLite), one request at a time."""
    import requests

    from tests.support.live_server import LiveServer, flask_cli, prepared_sqlite

    env = prepared_sqlite(tmp, HELPDESK_RATE_LIMITS="off", LOG_LEVEL="WARNING")
    key = flask_cli(env, "helpdesk", "create-api-key", "--name", "bench").strip()
    bodies = [json.dumps({"batch": batch}) for batch in batches(events, size)]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    timings = []
    with LiveServer(env) as server, requests.Session() as http:
        for body, batch in zip(bodies, batches(events, size), strict=True):
            started = time.perf_counter()
            response = http.post(server.url + "/api/v1/events", data=body, headers=headers)
            timings.append((len(batch), time.perf_counter() - started))
            if response.status_code != 202:
                raise SystemExit(f"HTTP {response.status_code}: {response.text[:500]}")
    return summarise("http", timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a temporary database is made on it")
    parser.add_argument("--no-http", action="store_true", help="skip the run through the real server")
    args = parser.parse_args()
    events = list(Workload(args.customers).events(args.events))
    figures = {"events": args.events, "customers": args.customers, "batch": args.batch,
               "database": "postgresql" if args.database_url else "sqlite",
               "types": {}}
    for e in events:
        figures["types"][e["type"]] = figures["types"].get(e["type"], 0) + 1
    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp), args.database_url) as url:
        figures.update(run_service(events, args.batch, url, Path(tmp)))
    if not args.no_http and not args.database_url:
        with tempfile.TemporaryDirectory() as tmp:
            figures.update(run_http(events, args.batch, Path(tmp)))
    figures["budget_events_per_s"] = 1500
    figures["pass"] = figures["service_slowest_10000_events_per_s"] >= 1500
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
