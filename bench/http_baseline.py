"""Baseline latency of the foundation's hot paths over real HTTP (gunicorn, fresh SQLite database).

Run: .venv/bin/python bench/http_baseline.py [--requests N]
Prints one JSON line last: p50/p95 in ms for /healthz, /api/v1/whoami (API-key auth) and an
agent's console page (server-side session lookup + template).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.html import csrf_from  # noqa: E402
from tests.support.live_server import LiveServer, flask_cli, prepared_sqlite  # noqa: E402


def timed(session: requests.Session, url: str, n: int, **kwargs) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = session.get(url, **kwargs)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return samples


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    n = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as tmp:
        env = prepared_sqlite(Path(tmp), HELPDESK_RATE_LIMITS="off", HELPDESK_LOG_FORMAT="text", LOG_LEVEL="WARNING")
        key = flask_cli(env, "helpdesk", "create-api-key", "--name", "bench").strip()
        with LiveServer(env) as server:
            http = requests.Session()
            token = csrf_from(http.get(server.url + "/console/login").text)
            http.post(server.url + "/console/login", allow_redirects=False,
                      data={"email": "admin@demo.shop", "password": "demo-admin-password", "csrf_token": token})
            timed(http, server.url + "/healthz", 20)  # warm up
            results = {
                "healthz": summary(timed(http, server.url + "/healthz", n)),
                "api_whoami": summary(timed(http, server.url + "/api/v1/whoami", n,
                                            headers={"Authorization": f"Bearer {key}"})),
                "console_page": summary(timed(http, server.url + "/console/settings/agents", n)),
            }
    flat = {f"{name}_{k}": v for name, figures in results.items() for k, v in figures.items()}
    flat["requests_each"] = n
    print(json.dumps(flat))


if __name__ == "__main__":
    main()
