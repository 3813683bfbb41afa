"""Ticket pages with 1,000,000 tickets and 5,000,000 messages behind them.

Run: .venv/bin/python bench/tickets.py [--tickets N] [--requests N] [--database-url URL]

Budgets (issue #5): a view's first page and any later page p95 ≤ 50 ms; opening a ticket with 50
messages and its customer sidebar p95 ≤ 50 ms; full-text search p95 ≤ 300 ms.

Setup migrates a fresh database with `flask db upgrade`, writes 100,000 customer profiles (with
stages, flags and carts, as bench/profile_api.py does), agents, groups, tickets, their messages
(five on average; a thousand tickets have exactly fifty), tags and audit entries directly with
Core executemany, then builds the search index in one pass and runs ANALYZE, as a live database
has statistics. Each measured request goes through the real Flask app (its test client, signed in
as an agent): routing, the query, the template. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from profile_api import Loader, _flush
from workload import percentile, temporary_database

from tests.support.live_server import flask_cli, server_env

BUDGETS_MS = {"view": 50, "open": 50, "search": 300}
CHUNK = 20_000
CUSTOMERS = 100_000
AGENTS = 20
FIFTY = 1_000  # tickets with exactly 50 messages
STATUSES = ["new"] * 8 + ["open"] * 12 + ["pending"] * 8 + ["on_hold"] * 2 + ["solved"] * 30 + ["closed"] * 40
PRIORITIES = ["low"] * 2 + ["normal"] * 6 + ["high"] + ["urgent"]
CHANNELS = ["help_center", "widget", "chat", "agent", "api", "email"]
TAGS = ["refund", "damaged", "tracking", "address", "invoice", "gift", "discount", "returns", "vip", "wholesale"]
PRODUCTS = ["teapot", "kettle", "mug", "cups", "infuser", "matcha", "sencha", "oolong", "rooibos", "darjeeling",
            "assam", "chai", "tray", "strainer", "caddy", "whisk", "bowl", "gift card", "sampler", "subscription"]
OPENERS = ["Hi, my {p} arrived broken and I would like a refund.", "Where is my order? I ordered the {p} last week.",
           "Can I change the delivery address for my {p}?", "Do you have the {p} in stock again?",
           "I was charged twice for the {p}.", "How do I return the {p}? It is the wrong colour.",
           "The tracking page for my {p} has not moved in four days.", "Is the {p} dishwasher safe?",
           "Please send me an invoice with my company name for the {p}.", "My discount code did not work on the {p}."]
REPLIES = ["Thank you for writing! I have checked your order of the {p} and will come back to you today.",
           "Sorry about that. I have asked the courier about the {p} and will update you.",
           "We can do that: the {p} will go to the new address.", "The {p} is back in stock next Tuesday.",
           "I have refunded the second charge for the {p}; you will see it within three days.",
           "Here is a return label for the {p}. Drop it at any post office.", "Anything else I can help with?",
           "Thanks, that solved it!", "Could you send a photo of the {p}?", "Great, thank you for the quick answer."]
SEARCHES = ["refund", "tracking", "teapot broken", "invoice company", "return label", "discount code",
            "dishwasher", "charged twice", "courier", "matcha whisk", "deliv", "gift card"]


class TicketLoader:
    def __init__(self, tickets: int, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.n = tickets
        self.now = datetime.now(UTC)
        self.message_id = 0

    @staticmethod
    def targets(created: datetime, status: str) -> dict:
        """SLA columns as app/services/tickets/sla/targets.py leaves them: answered within the hour, due in two days."""
        resolution = created + timedelta(hours=48)
        unsolved = status not in ("solved", "closed")
        return {"sla_policy_id": None, "first_response_due_at": created + timedelta(hours=4),
                "resolution_due_at": resolution, "first_response_breached_at": None,
                "resolution_breached_at": None, "sla_due_at": resolution if unsolved else None}

    def ticket_rows(self, start: int, count: int) -> dict[str, list[dict]]:
        rng, rows = self.rng, {"tickets": [], "ticket_messages": [], "ticket_tags": [], "ticket_events": []}
        for tid in range(start, start + count):
            created = self.now - timedelta(minutes=(self.n - tid) * 0.5 + rng.uniform(0, 30))
            status = rng.choice(STATUSES)
            assignee = None if status == "new" or rng.random() < 0.1 else rng.randint(1, AGENTS)
            product = rng.choice(PRODUCTS)
            messages = 50 if tid <= FIFTY else max(1, int(rng.expovariate(1 / 4.5)) + 1)
            messages = min(messages, 50)
            at = created
            for n in range(messages):
                self.message_id += 1
                at = at + timedelta(minutes=rng.uniform(1, 600))
                agent_turn = n % 2 == 1
                body = (rng.choice(REPLIES) if agent_turn else rng.choice(OPENERS if n == 0 else REPLIES)).format(
                    p=product)
                rows["ticket_messages"].append({
                    "id": self.message_id, "ticket_id": tid, "author_type": "agent" if agent_turn else "customer",
                    "author_agent_id": assignee if agent_turn else None, "body": body,
                    "internal": agent_turn and rng.random() < 0.1, "channel": "web", "client_key": None,
                    "created_at": at})
            rows["tickets"].append({
                "id": tid, "subject": f"{product.capitalize()}: " + rng.choice(OPENERS).format(p=product)[:60],
                "status": status, "priority": rng.choice(PRIORITIES), "type": "question",
                "channel": rng.choice(CHANNELS), "requester_id": rng.randint(1, CUSTOMERS), "assignee_id": assignee,
                "group_id": rng.choice([None, 1, 2, 3]), "conversation_id": None, "client_key": None, "version": 1,
                "created_at": created, "updated_at": at, "first_response_at": created + timedelta(hours=1),
                "solved_at": at if status in ("solved", "closed") else None, **self.targets(created, status)})
            if rng.random() < 0.25:
                rows["ticket_tags"].append({"ticket_id": tid, "tag": rng.choice(TAGS)})
            rows["ticket_events"].append({
                "ticket_id": tid, "actor_type": "customer", "actor_id": None, "actor_label": "bench",
                "field": "created", "old_value": None, "new_value": "help_center", "version": 1, "details": None,
                "created_at": created})
        return rows


def load(app, tickets: int) -> None:
    from app.extensions import db
    from app.models.ticket_search import create_statements, drop_statements
    from app.services.tickets import audiences

    tables = db.metadata.tables
    dialect = db.engine.dialect.name
    with db.engine.begin() as conn:  # the search index is built once at the end, not row by row
        for statement in drop_statements(dialect):
            conn.exec_driver_sql(statement)
    customers = Loader(CUSTOMERS, 0)
    for start in range(1, CUSTOMERS + 1, CHUNK):
        customers.rows["customers"] = [customers.customer(cid) for cid in range(start, min(start + CHUNK,
                                                                                              CUSTOMERS + 1))]
        _flush(db, tables, customers.rows)
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(tables["agents"].insert(), [{
            "id": n, "email": f"agent{n}@bench.test", "display_name": f"Agent {n}", "role": "agent",
            "password_hash": "x", "active": True, "presence": "offline", "created_at": now, "updated_at": now}
            for n in range(1, AGENTS + 1)])
        groups = [{"id": n, "name": name, "created_at": now}
                  for n, name in enumerate(("Shipping", "Billing", "Product"), 1)]
        conn.execute(tables["ticket_groups"].insert(), groups)
    loader = TicketLoader(tickets)
    for start in range(1, tickets + 1, CHUNK):
        _flush(db, tables, loader.ticket_rows(start, min(CHUNK, tickets + 1 - start)))
        if start % 200_000 == 1:
            print(f"  {start + CHUNK - 1:,} tickets, {loader.message_id:,} messages", file=sys.stderr)
    audiences.recompute_all()  # the lifecycle views' bits, as the ORM would have kept them
    db.session.commit()
    with db.engine.begin() as conn:
        for statement in create_statements(dialect):
            conn.exec_driver_sql(statement)
        if dialect == "sqlite":
            conn.exec_driver_sql("INSERT INTO ticket_subject_search(ticket_subject_search) VALUES ('rebuild')")
            conn.exec_driver_sql("INSERT INTO ticket_message_search(ticket_message_search) VALUES ('rebuild')")
        if dialect == "postgresql":  # rows came with their ids: move each id sequence past them
            for table in tables.values():
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                         f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return loader.message_id


def db_count(app) -> int:
    from app.extensions import db

    return db.session.execute(db.text("SELECT max(id) FROM ticket_messages")).scalar_one()


def ticket_count(app) -> int:
    from app.extensions import db

    return db.session.execute(db.text("SELECT max(id) FROM tickets")).scalar_one()


def _timed(client, path: str, samples: list[float]) -> str:
    started = time.perf_counter()
    response = client.get(path)
    samples.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response.get_data(as_text=True)


def measure(app, requests: int) -> dict[str, list[float]]:
    from app.services.access import agents
    from app.services.platform.audit import CLI
    from tests.support.html import csrf_from

    with app.app_context():
        agent = agents.create_agent("bench@bench.test", "Bench Agent", "agent", "bench-password-123", by=CLI)
        me = agent.id
    client = app.test_client()
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"email": "bench@bench.test", "password": "bench-password-123",
                                        "csrf_token": token})
    rng = random.Random(3)
    samples = {"first_page": [], "later_page": [], "open": [], "search": [], "counts": []}
    views = ["mine", "unassigned", "open", "pending", "sla", "all", "conversion_cart", "loyalty", "at_risk"]
    sorts = ["", "", "&sort=created", "&sort=due"]  # the view's own order most often
    # "mine" is the bench agent's own: give them a share of the tickets as another agent's would be.
    with app.app_context():
        from app.extensions import db
        from app.models import Ticket
        db.session.execute(db.update(Ticket).where(Ticket.assignee_id == 1).values(assignee_id=me))
        db.session.commit()
    for _ in range(20):  # warm-up
        _timed(client, "/console/tickets?view=open", [])
    for i in range(requests):
        view = views[i % len(views)]
        extra = f"&tag={rng.choice(TAGS)}" if i % 5 == 4 else ""
        sort = sorts[i % len(sorts)]
        extra += sort if view != "sla" and (sort != "&sort=due" or view != "all") else ""
        html = _timed(client, f"/console/tickets?view={view}{extra}", samples["first_page"])
        cursor = re.search(r'after=([\d.-]+_\d+)', html)
        for _depth in range(2):
            if not cursor:
                break
            html = _timed(client, f"/console/tickets?view={view}{extra}&after={cursor.group(1)}",
                          samples["later_page"])
            cursor = re.search(r'after=([\d.-]+_\d+)', html)
        _timed(client, f"/console/tickets/{rng.randint(1, FIFTY)}", samples["open"])
        if i % 4 == 0:  # the tabs' counts, fetched by the list's script (no budget: not on the page's path)
            _timed(client, "/console/tickets/counts", samples["counts"])
        if i % 2 == 0:
            _timed(client, f"/console/tickets?view=all&q={rng.choice(SEARCHES).replace(' ', '+')}", samples["search"])
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a temporary database is made on it")
    parser.add_argument("--keep", type=Path, help="SQLite: copy the loaded database to this file, for --reuse")
    parser.add_argument("--reuse", type=Path, help="SQLite: measure a copy of a database kept with --keep")
    args = parser.parse_args()
    from app import create_app
    from app.extensions import db
    from config import DevelopmentConfig

    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp), args.database_url) as url:
        env = server_env(Path(tmp), url, LOG_LEVEL="WARNING")
        if args.reuse:
            shutil.copyfile(args.reuse, Path(tmp) / "bench.db")
        flask_cli(env, "db", "upgrade")
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, HELPDESK_DATA_DIR=tmp, LOG_LEVEL="WARNING",
                         RATELIMIT_ENABLED=False, HELPDESK_ARGON2_TIME_COST=1, HELPDESK_ARGON2_MEMORY_KIB=64)
        started = time.perf_counter()
        with app.app_context():
            if args.reuse:
                messages, args.tickets = db_count(app), ticket_count(app)
            else:
                messages = load(app, args.tickets)
                if args.keep:
                    db.engine.dispose()
                    shutil.copyfile(Path(tmp) / "bench.db", args.keep)
        setup_s = time.perf_counter() - started
        samples = measure(app, args.requests)
    figures = {name: {"p50_ms": percentile(s, 0.5), "p95_ms": percentile(s, 0.95), "n": len(s)}
               for name, s in samples.items() if s}
    passed = (figures["first_page"]["p95_ms"] <= BUDGETS_MS["view"] and
              figures.get("later_page", {"p95_ms": 0})["p95_ms"] <= BUDGETS_MS["view"] and
              figures["open"]["p95_ms"] <= BUDGETS_MS["open"] and figures["search"]["p95_ms"] <= BUDGETS_MS["search"])
    print(json.dumps({"database": "postgresql" if args.database_url else "sqlite", "tickets": args.tickets,
                      "messages": messages, "setup_s": round(setup_s, 1), **figures,
                      "budgets_p95_ms": BUDGETS_MS, "pass": passed}))


if __name__ == "__main__":
    main()
