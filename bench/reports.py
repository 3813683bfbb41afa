"""Report pages with 100,000 customers, 1,000,000 events and 1,000,000 tickets behind them: Support,
Lifecycle (with the cohorts), Loyalty and Support and buying.

Run: .venv/bin/python bench/reports.py [--tickets N] [--requests N] [--database-url URL]

Budget (issue #8): every report page p95 ≤ 300 ms.

Setup migrates a fresh database with `flask db upgrade` and writes directly with Core executemany:
100,000 customer profiles with their stage history (as bench/profile_api.py does), 1,000,000
events (about 450,000 page views) and about 110,000 orders, 1,000,000 tickets over two years (first
responses, solutions, SLA targets, a third with a CSAT answer), 300,000 chats (each with the
visitor's message; a third rated), 30,000 NPS answers and 10,000 referrals. Then the reports' daily
figures are built once
(`report_figures.rebuild_all`, timed: what the demo seed and an import do) and the hourly job's
31 days (timed). Each measured request goes through the real Flask app (its test client, signed
in as an agent): the freshness check, the figures' query, the template. Every page for the last 30
days (the default), 90 days and a year, and each CSV for the year; then pages right after a new
CSAT answer, which makes the page rebuild today and yesterday (and this month's cohorts) first.
Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from profile_api import Loader, _flush
from workload import percentile, temporary_database

from tests.support.live_server import flask_cli, server_env

BUDGET_MS = 300
CHUNK = 20_000
CUSTOMERS = 100_000
EVENTS = 1_000_000
AGENTS = 20
DAYS = 730
CHANNELS = ["help_center", "widget", "chat", "agent", "api", "email"]
STAGES = ["acquisition", "conversion", "retention", "loyalty"]
NPS_ANSWERS = 30_000
REFERRALS = 10_000
PAGES = ("reports", "reports/lifecycle", "reports/loyalty", "reports/buying")
CSVS = ("support", "lifecycle", "cohorts", "loyalty", "buying")


class SupportLoader:
    """Tickets, chats and CSAT answers spread over the last DAYS days."""

    def __init__(self, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.survey_id = 0

    def _survey(self, rows: list, subject: str, customer: int, at: datetime, channel: str, **ids) -> None:
        self.survey_id += 1
        rows.append({"id": self.survey_id, "kind": "csat", "subject_key": subject, "customer_id": customer,
                     "conversation_id": ids.get("conversation_id"), "ticket_id": ids.get("ticket_id"),
                     "agent_id": ids.get("agent_id"), "stage": self.rng.choice(STAGES), "channel": channel,
                     "asked_via": "email", "asked_at": at, "answered_at": at + timedelta(minutes=30),
                     "answered_via": "email", "rating": "good" if self.rng.random() < 0.82 else "bad",
                     "score": None, "comment": None})

    def tickets(self, start: int, count: int, total: int) -> dict[str, list[dict]]:
        rng, rows = self.rng, {"tickets": [], "surveys": []}
        for tid in range(start, start + count):
            created = self.now - timedelta(minutes=(total - tid) * DAYS * 1440 / total + rng.uniform(0, 30))
            first = created + timedelta(minutes=rng.expovariate(1 / 90))
            solved = first + timedelta(minutes=rng.expovariate(1 / 900)) if rng.random() < 0.8 else None
            if solved and solved > self.now:
                solved = None
            first = first if first <= self.now else None
            due = created + timedelta(hours=4)
            customer, agent, channel = rng.randint(1, CUSTOMERS), rng.randint(1, AGENTS), rng.choice(CHANNELS)
            rows["tickets"].append({
                "id": tid, "subject": f"Order question {tid}", "status": "solved" if solved else "open",
                "priority": "normal", "type": "question", "channel": channel, "requester_id": customer,
                "assignee_id": agent, "group_id": None, "conversation_id": None, "client_key": None,
                "version": 1, "created_at": created, "updated_at": solved or first or created,
                "first_response_at": first, "solved_at": solved, "sla_policy_id": None,
                "first_response_due_at": due, "resolution_due_at": created + timedelta(hours=48),
                "first_response_breached_at": due if first is None or first > due else None,
                "resolution_breached_at": None, "sla_due_at": None if solved else created + timedelta(hours=48)})
            if solved and rng.random() < 0.35:
                self._survey(rows["surveys"], f"ticket:{tid}", customer, solved, channel, ticket_id=tid,
                             agent_id=agent)
        return rows

    def chats(self, start: int, count: int, total: int) -> dict[str, list[dict]]:
        rng, rows = self.rng, {"conversations": [], "messages": [], "surveys": []}
        for cid in range(start, start + count):
            at = self.now - timedelta(minutes=(total - cid) * DAYS * 1440 / total + rng.uniform(0, 30))
            customer, agent = rng.randint(1, CUSTOMERS), rng.randint(1, AGENTS)
            rows["conversations"].append({
                "id": cid, "customer_id": customer, "status": "resolved", "assignee_id": agent, "assigned_at": at,
                "created_at": at, "last_message_at": at, "last_seq": 4, "channel": "chat", "client_key": None,
                "agent_read_seq": 4, "visitor_read_seq": 4, "unread_for_agents": 0, "unread_for_visitor": 0,
                "page_url": None, "contact_email": None, "prechat": None})
            rows["messages"].append({"id": cid, "conversation_id": cid, "seq": 1, "client_msg_id": f"m{cid}",
                                     "author_type": "visitor", "author_agent_id": None, "body": "Where is my order?",
                                     "is_internal_note": False, "created_at": at})
            if rng.random() < 0.33:
                self._survey(rows["surveys"], f"conversation:{cid}", customer, at, "chat", conversation_id=cid,
                             agent_id=agent)
        return rows

    def loyalty(self) -> dict[str, list[dict]]:
        """NPS answers (retention and loyalty customers, mostly promoters) and referral events."""
        rng, rows = self.rng, {"surveys": [], "customer_events": []}
        for n in range(NPS_ANSWERS):
            self.survey_id += 1
            at = self.now - timedelta(days=rng.uniform(0, DAYS))
            rows["surveys"].append({
                "id": self.survey_id, "kind": "nps", "subject_key": f"nps:{n}",
                "customer_id": rng.randint(1, CUSTOMERS), "conversation_id": None, "ticket_id": None,
                "agent_id": None, "stage": rng.choice(STAGES[2:]),
                "channel": "nps", "asked_via": "widget", "asked_at": at, "answered_at": at, "answered_via": "widget",
                "rating": None, "score": rng.choice((10, 10, 9, 9, 8, 7, 6, 3, 0, 9)),
                "comment": "Lovely tea" if n % 5 == 0 else None})
        for n in range(REFERRALS):
            rows["customer_events"].append({
                "event_id": f"ref-{n}", "type": "referral_made", "customer_id": rng.randint(1, CUSTOMERS),
                "external_customer_id": None, "anonymous_id": None, "received_at": self.now, "source": "api",
                "occurred_at": self.now - timedelta(days=rng.uniform(0, DAYS)), "properties": {}})
        return rows


def load(app, tickets: int, chats: int) -> dict:
    from app.extensions import db

    tables = db.metadata.tables
    people = Loader(CUSTOMERS, EVENTS)
    external = {}
    for start in range(1, CUSTOMERS + 1, CHUNK):
        rows = [people.customer(cid) for cid in range(start, min(start + CHUNK, CUSTOMERS + 1))]
        external.update({r["id"]: r["external_id"] for r in rows})
        people.rows["customers"] = rows
        _flush(db, tables, people.rows)
    for start in range(1, EVENTS + 1, CHUNK):
        with db.engine.begin() as conn:
            conn.execute(tables["customer_events"].insert(), people.event_rows(start, min(CHUNK, EVENTS + 1 - start),
                                                                                external))
    print(f"  {CUSTOMERS:,} customers, {EVENTS:,} events", file=sys.stderr)
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(tables["agents"].insert(), [{
            "id": n, "email": f"agent{n}@bench.test", "display_name": f"Agent {n}", "role": "agent",
            "password_hash": "x", "active": True, "presence": "offline", "created_at": now, "updated_at": now}
            for n in range(1, AGENTS + 1)])
    support = SupportLoader()
    for start in range(1, tickets + 1, CHUNK):
        _flush(db, tables, support.tickets(start, min(CHUNK, tickets + 1 - start), tickets))
    for start in range(1, chats + 1, CHUNK):
        _flush(db, tables, support.chats(start, min(CHUNK, chats + 1 - start), chats))
    print(f"  {tickets:,} tickets, {chats:,} chats, {support.survey_id:,} CSAT answers", file=sys.stderr)
    _flush(db, tables, support.loyalty())
    print(f"  {NPS_ANSWERS:,} NPS answers, {REFERRALS:,} referrals", file=sys.stderr)
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":  # rows came with their ids: move each sequence past them
            for name in ("agents", "tickets", "conversations", "messages", "surveys", "customers"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return {"surveys": support.survey_id}


def build_figures(app) -> dict:
    from app.services.reports import daily_figures

    with app.app_context():
        started = time.perf_counter()
        rows = daily_figures.rebuild_all()
        whole = time.perf_counter() - started
        started = time.perf_counter()
        daily_figures.rebuild_recent()
        recent = time.perf_counter() - started
    return {"figure_rows": rows, "rebuild_all_s": round(whole, 2), "rebuild_31_days_s": round(recent, 2)}


def _timed(client, path: str, samples: list[float]) -> None:
    started = time.perf_counter()
    response = client.get(path)
    response.get_data()
    samples.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")


def _answer_now(app, n: int) -> None:
    """A new CSAT answer, as the widget makes one: the next page view finds the sources moved."""
    from app.extensions import db
    from app.models import Survey

    with app.app_context():
        now = datetime.now(UTC)
        db.session.add(Survey(kind="csat", subject_key=f"bench-live:{n}", customer_id=1, stage="retention",
                              channel="chat", asked_via="widget", asked_at=now, answered_at=now,
                              answered_via="widget", rating="good"))
        db.session.commit()


def measure(app, requests: int) -> dict[str, list[float]]:
    from app.services.access import agents
    from app.services.platform.audit import CLI
    from tests.support.html import csrf_from

    with app.app_context():
        agents.create_agent("bench@bench.test", "Bench Agent", "agent", "bench-password-123", by=CLI)
    client = app.test_client()
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"email": "bench@bench.test", "password": "bench-password-123",
                                        "csrf_token": token})
    today = datetime.now(UTC).date()
    year = f"?start={today - timedelta(days=365)}&end={today}"
    periods = {"30_days": "", "90_days": f"?start={today - timedelta(days=89)}&end={today}", "year": year}
    pages = {f"{page.removeprefix('reports/') or 'support'}_{name}": f"/console/{page}{query}"
             for page in PAGES for name, query in periods.items()}
    pages |= {f"{name}_csv_year": f"/console/reports/{name}.csv{year}" for name in CSVS}
    samples: dict[str, list[float]] = {name: [] for name in pages} | {"after_a_new_answer": []}
    names = list(pages)
    for name in names:  # warm-up
        _timed(client, pages[name], [])
    for i in range(requests):
        name = names[i % len(names)]
        _timed(client, pages[name], samples[name])
    for i in range(max(40, requests // 8)):
        _answer_now(app, i)
        _timed(client, pages[names[i % len(names)]], samples["after_a_new_answer"])
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=1020)  # 60 of each page
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a temporary database is made on it")
    args = parser.parse_args()
    from app import create_app
    from config import DevelopmentConfig

    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp), args.database_url) as url:
        env = server_env(Path(tmp), url, LOG_LEVEL="WARNING")
        flask_cli(env, "db", "upgrade")
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, HELPDESK_DATA_DIR=tmp, LOG_LEVEL="WARNING",
                         RATELIMIT_ENABLED=False, HELPDESK_ARGON2_TIME_COST=1, HELPDESK_ARGON2_MEMORY_KIB=64)
        started = time.perf_counter()
        with app.app_context():
            loaded = load(app, args.tickets, args.chats)
        setup_s = time.perf_counter() - started
        built = build_figures(app)
        samples = measure(app, args.requests)
        database = "postgresql" if url.startswith("postgresql") else "sqlite"
    figures = {name: {"p50_ms": percentile(s, 0.5), "p95_ms": percentile(s, 0.95), "max_ms": round(max(s), 1),
                      "n": len(s)} for name, s in samples.items()}
    worst = max(f["p95_ms"] for f in figures.values())
    print(json.dumps({"database": database, "customers": CUSTOMERS, "events": EVENTS, "tickets": args.tickets,
                      "chats": args.chats, **loaded, "setup_s": round(setup_s, 1), **built, "pages": figures,
                      "worst_p95_ms": worst, "budget_p95_ms": BUDGET_MS, "pass": worst <= BUDGET_MS}))


if __name__ == "__main__":
    main()
