"""Proactive outreach: from the moment a rule becomes true to the message in the widget, with
1,000 visitors online and 50 rules, and what the engine adds to an event's ingestion.

Run: .venv/bin/python bench/outreach.py [--visitors 1000] [--rules 50] [--samples 300] [--rate 10]
                                        [--idle-seconds 10] [--events 1000] [--matching 200]
                                        [--database-url postgresql://…] [--no-timer] [--no-live]

Budgets (issue #7): from the event that makes a rule true to the message in the widget, p95 ≤ 1 s
with 1,000 visitors online and 50 rules; the engine adds at most 2 ms to each event's ingestion.

Live part: the real gunicorn as `make run` starts it (its post_worker_init starts the outreach
timer), on a fresh migrated database with `--rules` rules made with save_rule: one
checkout_started widget message (holdout 0), one cart_idle widget message after
`--idle-seconds` (the least the rules allow is 10 s), and the rest varied (other events, pages,
dwell, returning visitors, days after the first order; audiences that these visitors are not in),
then `--visitors` python-socketio AsyncClients on /chat, each with its own anonymous id and
page_url https://shop.example/checkout. Each visitor is messaged at most once (visitor cap), so
every sample uses a visitor of its own:
  event path: POST /api/v1/events {checkout_started, timestamp now} (open loop at --rate per
    second), timed from just before the POST to the `proactive_message` on that visitor's socket;
  timer path: POST a cart_updated (items, total), timed from the moment the cart_idle condition
    is true (the stored cart time + N s: the cart event's timestamp; same machine, same clock) to
    the `proactive_message`.
Each decision's created_at (the server's `now` for that evaluation) splits the latency: before the
engine decided (HTTP and ingestion up to the rules / the timer's wake-up), and after (commit, emit,
the socket). Server CPU is /proc/<pid>/stat over an idle window (sockets open, nothing sent: the
timer's passes over the visitors on the site) and over each path.

In-process part (like bench/ingest_single.py, but calling ingest_events directly on fresh temp
databases): single-event batches of page_viewed, product_viewed, cart_updated and
checkout_started (timestamp now, customers not on the site) with no rules and with the rules,
the engine's own time (on_events + deliver, timed by wrapping them here) and the whole
ingest_events call; then checkout_started that matches a rule's trigger and audience for a
visitor off the site, and on it (a realtime_connections row, as a socket's connect writes):
the worst case (a decision, its message rendered and logged, a delivery). Last, the timer's pass
(scan()) with --visitors on the site. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean

import aiohttp
import requests
import socketio
from workload import percentile, server_cpu_seconds, temporary_database

from tests.support.live_server import LiveServer, flask_cli, server_env

SHOP = "https://shop.example"
PAGE = SHOP + "/checkout"
BUDGET = {"p95_ms": 1000, "engine_ms_per_event": 2.0}


# --- rules -------------------------------------------------------------------------------------


def rule_specs(n: int, idle_seconds: int) -> list:
    """The two rules measured, then n - 2 others that these visitors never match (other events,
    other pages, audiences they are not in), as a shop's rule list would hold."""
    from app.services.outreach.rules import RuleSpec

    def msg(body):
        return {"kind": "widget_message", "body": body}

    alert = {"kind": "agent_alert", "body": "Hot lead: {{customer.name}} with {{cart.total}}"}
    ticket = {"kind": "follow_up_ticket", "subject": "How was your order?", "body": "Hi {{customer.first_name|there}}"}
    email = {"kind": "email", "subject": "We kept your cart", "body": "Hi {{customer.first_name|there}}, it waits."}
    measured = [
        RuleSpec("Help at checkout", {"kind": "event", "event": "checkout_started"},
                 msg("Hi {{customer.first_name|there}}, need a hand with your order?"),
                 audience={"visitor": "new"}, priority=90, holdout_percent=0),
        RuleSpec("Idle cart", {"kind": "cart_idle", "seconds": idle_seconds},
                 msg("Still deciding? Your cart of {{cart.total}} is waiting."),
                 audience={"cart_min": "20"}, priority=85, holdout_percent=0),
    ]
    others = [
        ({"kind": "event", "event": "checkout_started"}, msg("Loyal customers ship free"), {"stages": ["loyalty"]}),
        ({"kind": "event", "event": "checkout_started"}, alert, {"cart_min": "1000"}),
        ({"kind": "event", "event": "checkout_started", "url_pattern": "/checkout"}, msg("Hallo!"),
         {"languages": ["nl"]}),
        ({"kind": "event", "event": "checkout_started"}, msg("Welcome back"), {"orders_min": 3}),
        ({"kind": "event", "event": "product_viewed", "url_pattern": "/p/.*"}, msg("Questions about it?"),
         {"segments": ["repeat_customer"]}),
        ({"kind": "event", "event": "product_viewed"}, alert, {"flags": ["at_risk"]}),
        ({"kind": "event", "event": "page_viewed", "url_pattern": "/help/.*/returns"}, msg("Returns are free"), {}),
        ({"kind": "event", "event": "cart_updated"}, msg("VIP: free gift wrap"), {"flags": ["vip"]}),
        ({"kind": "event", "event": "signed_up"}, msg("Welcome aboard"), {}),
        ({"kind": "event", "event": "order_placed"}, ticket, {"orders_min": 1}),
        ({"kind": "event", "event": "order_refunded"}, ticket, {}),
        ({"kind": "event", "event": "nps_submitted"}, alert, {}),
        ({"kind": "event", "event": "coupon_applied"}, msg("That code is for first orders"), {}),
        ({"kind": "event", "event": "search_performed"}, msg("Can we help you find it?"), {}),
        ({"kind": "event", "event": "wishlist_added"}, email, {}),
        ({"kind": "page_dwell", "seconds": 30, "url_pattern": "/pricing"}, msg("Compare plans?"), {}),
        ({"kind": "page_dwell", "seconds": 60, "url_pattern": "/help/.*"}, alert, {}),
        ({"kind": "returning_visitor", "seconds": 5}, msg("Good to see you again"), {"visitor": "returning"}),
        ({"kind": "cart_idle", "seconds": 600, "url_pattern": "/cart$"}, msg("Your cart misses you"),
         {"cart_min": "100"}),
        ({"kind": "cart_idle", "seconds": 300}, alert, {"cart_min": "1000"}),
        ({"kind": "days_after_first_order", "days": 7}, email, {}),
        ({"kind": "days_after_first_order", "days": 30}, ticket, {}),
    ]
    specs = list(measured[:n])
    for i in range(max(n - len(measured), 0)):
        trigger, action, audience = others[i % len(others)]
        specs.append(RuleSpec(f"Rule {i + 3}: {trigger.get('event') or trigger['kind']}", trigger, action,
                              audience=audience, priority=10 + (i * 7) % 70, holdout_percent=(i * 5) % 25))
    return specs


@contextmanager
def environment(env: dict):
    """os.environ as a server process of this database would have it (create_app reads it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_app(env: dict):
    from app import create_app

    with environment(env):
        return create_app()


def save_rules(app, n: int, idle_seconds: int) -> None:
    from app.services.outreach import rules as outreach_rules
    from app.services.platform.audit import CLI

    with app.app_context():
        for spec in rule_specs(n, idle_seconds):
            outreach_rules.save_rule(spec, by=CLI)


# --- the live part -----------------------------------------------------------------------------




def anonymous_id(n: int) -> str:
    return f"bench-visitor-{n}"


def visitor_tokens(base_url: str, n: int) -> list[str]:
    http = requests.Session()
    tokens = []
    for i in range(n):
        answer = http.post(base_url + "/api/v1/widget/session", json={"anonymous_id": anonymous_id(i)},
                           headers={"Origin": SHOP}, timeout=10)
        assert answer.status_code == 200, answer.text[:200]
        tokens.append(answer.json()["token"])
    return tokens


def cart_props(total: str = "49.90") -> dict:
    return {"items": [{"sku": "SKU-0001", "name": "Product 1", "quantity": 2, "unit_price": "24.95"}],
            "currency": "EUR", "total": total}


class Live:
    """The visitor sockets and what they received."""

    def __init__(self) -> None:
        self.clients: list[socketio.AsyncClient] = []
        # visitor index → (perf_counter, wall time, payload) of its first proactive_message
        self.received: dict[int, tuple[float, float, dict]] = {}
        self.extra: int = 0  # messages beyond the first to one visitor (the caps should forbid them)
        self.http_errors: list = []

    def got(self, index: int, payload: dict) -> None:
        stamp = (time.perf_counter(), time.time(), payload)
        if index in self.received:
            self.extra += 1
        else:
            self.received[index] = stamp

    async def connect(self, url: str, index: int, token: str) -> None:
        client = socketio.AsyncClient(reconnection=False)
        client.on("proactive_message", lambda payload, i=index: self.got(i, payload), namespace="/chat")
        await client.connect(url, auth={"token": token, "page_url": PAGE}, headers={"Origin": SHOP},
                             transports=["websocket"], namespaces=["/chat"], wait_timeout=30)
        self.clients.append(client)

    async def post(self, http: aiohttp.ClientSession, url: str, headers: dict, event: dict) -> None:
        try:
            async with http.post(url + "/api/v1/events", json=event, headers=headers) as answer:
                if answer.status != 202:
                    self.http_errors.append((answer.status, (await answer.text())[:200]))
        except aiohttp.ClientError as exc:
            self.http_errors.append(("error", repr(exc)))

    async def wait_for(self, indexes, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while any(i not in self.received for i in indexes) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for i in range(0, len(self.clients), 50):
            await asyncio.gather(*(c.disconnect() for c in self.clients[i:i + 50]), return_exceptions=True)


async def open_loop(rate: float, indexes: list[int], send) -> None:
    """send(index) for each index, `rate` per second, not awaited."""
    tasks, start = [], time.perf_counter()
    for n, index in enumerate(indexes):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(send(index)))
    await asyncio.gather(*tasks)


async def live_run(args, server: LiveServer, api_key: str, app) -> dict:
    live = Live()
    tokens = visitor_tokens(server.url, args.visitors)
    started = time.perf_counter()
    for i in range(0, args.visitors, 25):
        await asyncio.gather(*(live.connect(server.url, n, tokens[n]) for n in range(i, min(i + 25, args.visitors))))
    connect_s = time.perf_counter() - started
    gc.collect()
    gc.freeze()
    cpu = lambda: server_cpu_seconds(server)  # noqa: E731

    # Sockets open, nothing sent: the timer passes over the 1,000 visitors once a second.
    cpu_before = cpu()
    await asyncio.sleep(args.quiet_seconds)
    idle_cpu_ms_per_s = (cpu() - cpu_before) * 1000 / args.quiet_seconds

    headers = {"Authorization": f"Bearer {api_key}"}
    event_visitors = list(range(args.samples))
    timer_visitors = [] if args.no_timer else list(range(args.samples, 2 * args.samples))
    sent: dict[int, dict] = {}  # visitor index → what was sent and when
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as http:

        async def checkout(index: int) -> None:
            event_id = f"bench-checkout-{index}"
            sent[index] = {"perf": time.perf_counter(), "wall": time.time(), "event_id": event_id}
            await live.post(http, server.url, headers, {
                "id": event_id, "type": "checkout_started", "anonymous_id": anonymous_id(index),
                "timestamp": datetime.now(UTC).isoformat(), "properties": {}})

        async def cart(index: int) -> None:
            at = datetime.now(UTC)
            sent[index] = {"perf": time.perf_counter(), "wall": time.time(), "cart_at": at}
            await live.post(http, server.url, headers, {
                "id": f"bench-cart-{index}", "type": "cart_updated", "anonymous_id": anonymous_id(index),
                "timestamp": at.isoformat(), "properties": cart_props()})

        cpu_before, window = cpu(), time.perf_counter()
        await open_loop(args.rate, event_visitors, checkout)
        await live.wait_for(event_visitors, 10)
        event_cpu_ms_per_s = (cpu() - cpu_before) * 1000 / (time.perf_counter() - window)

        timer_cpu_ms_per_s = None
        if timer_visitors:
            cpu_before, window = cpu(), time.perf_counter()
            await open_loop(args.rate, timer_visitors, cart)
            await live.wait_for(timer_visitors, args.idle_seconds + 15)
            timer_cpu_ms_per_s = round((cpu() - cpu_before) * 1000 / (time.perf_counter() - window), 1)
    facts = stored_facts(app)  # while the sockets are open (their rows go when they close)
    await live.close()
    return {"live": live, "facts": facts, "sent": sent, "event_visitors": event_visitors,
            "timer_visitors": timer_visitors,
            "connect_s": round(connect_s, 1), "idle_cpu_ms_per_s": round(idle_cpu_ms_per_s, 1),
            "event_cpu_ms_per_s": round(event_cpu_ms_per_s, 1), "timer_cpu_ms_per_s": timer_cpu_ms_per_s}


def stored_facts(app) -> tuple[dict, dict, dict]:
    """Decisions by id, carts' stored times by customer, and decisions counted by rule and outcome."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Cart, OutreachDecision, OutreachRule

    with app.app_context():
        decisions = {row.id: row for row in db.session.execute(select(
            OutreachDecision.id, OutreachDecision.rule_id, OutreachDecision.customer_id, OutreachDecision.trigger_key,
            OutreachDecision.outcome, OutreachDecision.created_at))}
        carts = dict(db.session.execute(select(Cart.customer_id, Cart.updated_at)).all())
        names = dict(db.session.execute(select(OutreachRule.id, OutreachRule.name)).all())
        db.session.remove()
    counted: dict[str, dict[str, int]] = {}
    for row in decisions.values():
        per = counted.setdefault(names.get(row.rule_id, str(row.rule_id)), {})
        per[row.outcome] = per.get(row.outcome, 0) + 1
    return decisions, carts, counted


def figures(samples: list[float]) -> dict:
    if not samples:
        return {"n": 0}
    return {"n": len(samples), "p50_ms": percentile(samples, 0.5), "p95_ms": percentile(samples, 0.95),
            "max_ms": round(max(samples), 2)}


def live_figures(run: dict, decisions: dict, carts: dict, idle_seconds: int) -> dict:
    live, sent = run["live"], run["sent"]
    event_ms, event_before, event_after = [], [], []
    for i in run["event_visitors"]:
        if i not in live.received:
            continue
        perf, wall, payload = live.received[i]
        event_ms.append((perf - sent[i]["perf"]) * 1000)
        decision = decisions.get(payload["decision_id"])
        if decision is not None:
            decided = decision.created_at.timestamp()
            event_before.append((decided - sent[i]["wall"]) * 1000)
            event_after.append((wall - decided) * 1000)
    timer_ms, timer_before, timer_after, clock_skew = [], [], [], []
    for i in run["timer_visitors"]:
        if i not in live.received:
            continue
        _perf, wall, payload = live.received[i]
        due = sent[i]["cart_at"].timestamp() + idle_seconds
        decision = decisions.get(payload["decision_id"])
        if decision is not None:
            stored = carts.get(decision.customer_id)
            if stored is not None:  # the server's cart time: the same instant, to the microsecond
                clock_skew.append(abs(stored.timestamp() - sent[i]["cart_at"].timestamp()) * 1000)
                due = stored.timestamp() + idle_seconds
            decided = decision.created_at.timestamp()
            timer_before.append((decided - due) * 1000)
            timer_after.append((wall - decided) * 1000)
        timer_ms.append((wall - due) * 1000)
    return {
        "event": figures(event_ms), "event_missing": len(run["event_visitors"]) - len(event_ms),
        "event_until_decided": figures(event_before), "event_decided_to_widget": figures(event_after),
        "timer": figures(timer_ms), "timer_missing": len(run["timer_visitors"]) - len(timer_ms),
        "timer_due_to_decided": figures(timer_before), "timer_decided_to_widget": figures(timer_after),
        "cart_time_stored_vs_sent_max_ms": round(max(clock_skew), 3) if clock_skew else None,
        "extra_messages": live.extra, "http_errors": len(live.http_errors),
    }


def live_part(args, tmp: Path, url: str) -> dict:
    env = server_env(tmp, url, LOG_LEVEL="WARNING", HELPDESK_ALLOWED_ORIGINS=SHOP, HELPDESK_RATE_LIMITS="off")
    if args.no_timer:  # no in-process jobs: post_worker_init starts neither the scheduler nor the timer
        env["HELPDESK_JOBS"] = "eager"
    flask_cli(env, "db", "upgrade")
    app = make_app(env)
    save_rules(app, args.rules, args.idle_seconds)
    api_key = flask_cli(env, "helpdesk", "create-api-key", "--name", "bench").strip()
    log_path = tmp / "server.log"
    server = LiveServer(env, log_path=log_path).start()
    try:
        run = asyncio.run(live_run(args, server, api_key, app))
        decisions, carts, counted = run["facts"]
    finally:
        server.stop()
    result = live_figures(run, decisions, carts, args.idle_seconds)
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if "Traceback" in line
              or "ERROR" in line]
    result.update({k: run[k] for k in ("connect_s", "idle_cpu_ms_per_s", "event_cpu_ms_per_s", "timer_cpu_ms_per_s")})
    result.update({"decisions": counted, "server_errors": len(errors), "_errors": errors[:5],
                   "_http_errors": run["live"].http_errors[:5]})
    return result


# --- the in-process part -----------------------------------------------------------------------


class EngineClock:
    """Wraps the engine's two entry points that ingestion calls, to time them (the engine's own
    cost per event, without the noise of the rest of the batch)."""

    def __init__(self) -> None:
        from app.services.outreach import engine as outreach_engine

        self.module = outreach_engine
        self.originals = (outreach_engine.on_events, outreach_engine.deliver)
        self.spent = 0.0

    def _timed(self, func):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - started

        return timed

    def __enter__(self):
        self.module.on_events, self.module.deliver = map(self._timed, self.originals)
        return self

    def __exit__(self, *exc):
        self.module.on_events, self.module.deliver = self.originals


def mixed_event(rng: random.Random, n: int, customers: int) -> dict:
    """A page view, product view, cart update or checkout, now, from a customer not on the site."""
    who = rng.randrange(customers)
    kind = rng.choices(("page_viewed", "product_viewed", "cart_updated", "checkout_started"), (40, 30, 20, 10))[0]
    sku = rng.randrange(400)
    props = {
        "page_viewed": lambda: {"url": f"{SHOP}/p/{rng.randint(1, 500)}", "title": "A page"},
        "product_viewed": lambda: {"sku": f"SKU-{sku:04d}", "name": f"Product {sku}", "price": "19.90",
                                   "url": f"{SHOP}/p/{sku}"},
        "cart_updated": lambda: cart_props(f"{20 + sku}.00"),
        "checkout_started": lambda: cart_props(f"{20 + sku}.00"),
    }[kind]()
    event = {"id": f"mix-{n}", "type": kind, "timestamp": datetime.now(UTC).isoformat(), "properties": props}
    if who % 5 == 0:
        event["customer_id"] = f"cust-{who:06d}"
    else:
        event["anonymous_id"] = f"offline-{who:06d}"
    return event


def checkout(anonymous: str, n: str) -> dict:
    return {"id": f"co-{n}", "type": "checkout_started", "anonymous_id": anonymous,
            "timestamp": datetime.now(UTC).isoformat(), "properties": {}}


def timed_batches(events, clock: EngineClock) -> tuple[list[float], list[float]]:
    """ingest_events([event]) for each: (whole call ms, engine's share ms), per event."""
    from app.services.shop_events.ingestion import ingest_events

    whole, engine = [], []
    for event in events:
        batch = [event() if callable(event) else event]
        clock.spent = 0.0
        started = time.perf_counter()
        result = ingest_events(batch)
        whole.append((time.perf_counter() - started) * 1000)
        engine.append(clock.spent * 1000)
        assert result.accepted == 1, result
    return whole, engine


def put_online(customer_ids: list[int]) -> None:
    """Visitors on the site as their widget's connect records them."""
    from app.services.platform import presence

    for cid in customer_ids:
        presence.connect(f"bench-{cid}-{random.getrandbits(32):x}", presence.CHAT, customer_id=cid, page_url=PAGE)


def new_profiles(prefix: str, n: int) -> list[int]:
    """n visitors' profiles made by a page view each (not timed)."""
    from app.services.shop_events.ingestion import ingest_events

    ids = []
    for i in range(0, n, 250):
        batch = [{"id": f"{prefix}-pv-{k}", "type": "page_viewed", "anonymous_id": f"{prefix}-{k}",
                  "timestamp": datetime.now(UTC).isoformat(), "properties": {"url": PAGE}}
                 for k in range(i, min(i + 250, n))]
        ids += ingest_events(batch).customer_ids
    return ids


def summary(whole: list[float], engine: list[float]) -> dict:
    return {"n": len(whole), "mean_ms": round(mean(whole), 3), "p95_ms": percentile(whole, 0.95),
            "engine_mean_ms": round(mean(engine), 3), "engine_p95_ms": percentile(engine, 0.95),
            "engine_max_ms": round(max(engine), 2)}


def engine_cost(args, tmp: Path, database_url: str, rules: int) -> dict:
    """One fresh database with `rules` rules: the mix, then the matching worst cases, then scan()."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import OutreachDecision
    from app.services.outreach import timer
    from app.services.shop_events.ingestion import ingest_events

    env = server_env(tmp, database_url, LOG_LEVEL="WARNING", HELPDESK_RATE_LIMITS="off")
    flask_cli(env, "db", "upgrade")
    app = make_app(env)
    if rules:
        save_rules(app, rules, args.idle_seconds)
    rng = random.Random(17)
    out: dict = {}
    with environment(env), app.app_context(), EngineClock() as clock:
        n = args.events
        warm = [lambda k=k: mixed_event(rng, k, 2000) for k in range(200)]
        mix = [lambda k=k: mixed_event(rng, k, 2000) for k in range(200, 200 + n)]
        timed_batches(warm, clock)
        gc.collect()
        out["mix"] = summary(*timed_batches(mix, clock))
        m = args.matching
        out["match_offline"] = summary(*timed_batches(
            [lambda k=k: checkout(f"away-{k}", f"away-{k}") for k in range(m)], clock))
        online = new_profiles("here", m)
        put_online(online)
        out["match_online"] = summary(*timed_batches(
            [lambda k=k: checkout(f"here-{k}", f"here-{k}") for k in range(m)], clock))
        out["match_online_shown"] = db.session.scalar(
            select(func.count()).select_from(OutreachDecision).where(OutreachDecision.outcome == "shown"))
        # The timer's pass with `--visitors` on the site (half with a cart, decided in the first pass).
        more = new_profiles("timer", max(args.visitors - m, 0))
        long_ago = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
        ingest_events([{"id": f"timer-cart-{k}", "type": "cart_updated", "anonymous_id": f"timer-{k}",
                        "timestamp": long_ago, "properties": cart_props()} for k in range(0, len(more), 2)][:500])
        put_online(more)
        timer._decided.clear()
        timer.scan()  # warm-up
        passes = []
        for _ in range(20):
            started = time.perf_counter()
            timer.scan()
            passes.append((time.perf_counter() - started) * 1000)
        out["scan_ms"] = {"visitors_online": len(online) + len(more), "p50_ms": percentile(passes, 0.5),
                          "max_ms": round(max(passes), 2)}
        db.session.remove()
    return out


def in_process_part(args, tmp: Path) -> dict:
    results = {}
    for label, rules in (("no_rules", 0), ("rules", args.rules)):
        (tmp / label).mkdir()
        with temporary_database(tmp / label, args.database_url) as url:
            results[label] = engine_cost(args, tmp / label, url, rules)
    return results


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--samples", type=int, default=300, help="per path; each needs a visitor of its own")
    parser.add_argument("--rate", type=float, default=10, help="events per second sent on each path")
    parser.add_argument("--idle-seconds", type=int, default=10, help="the cart_idle rule's N (at least 10)")
    parser.add_argument("--quiet-seconds", type=float, default=10, help="sockets open, nothing sent (CPU)")
    parser.add_argument("--events", type=int, default=1000, help="in-process: mixed single-event batches")
    parser.add_argument("--matching", type=int, default=200, help="in-process: matching events, each case")
    parser.add_argument("--no-live", action="store_true", help="the in-process part only")
    parser.add_argument("--no-timer", action="store_true",
                        help="server without the outreach timer (HELPDESK_JOBS=eager): the event path alone, "
                             "to see what the timer's passes cost it")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; temporary databases are made on it")
    args = parser.parse_args()
    if 2 * args.samples > args.visitors:
        parser.error("each sample needs a visitor of its own: --visitors must be at least 2 × --samples")
    if args.rules < 2:
        parser.error("--rules must be at least 2 (the two rules measured)")
    result: dict = {"visitors": args.visitors, "rules": args.rules,
                    "database": "postgresql" if args.database_url else "sqlite"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.no_live:
            (tmp / "live").mkdir()
            with temporary_database(tmp / "live", args.database_url) as url:
                result["live"] = live_part(args, tmp / "live", url)
        result["ingestion"] = in_process_part(args, tmp)
    ing = result["ingestion"]
    base, ruled = ing["no_rules"], ing["rules"]
    flat = {
        "engine_overhead_ms": round(ruled["mix"]["mean_ms"] - base["mix"]["mean_ms"], 3),
        "engine_overhead_p95_ms": round(ruled["mix"]["p95_ms"] - base["mix"]["p95_ms"], 2),
        "engine_own_mean_ms": ruled["mix"]["engine_mean_ms"], "engine_own_p95_ms": ruled["mix"]["engine_p95_ms"],
        "match_offline_overhead_ms": round(ruled["match_offline"]["mean_ms"] - base["match_offline"]["mean_ms"], 3),
        "match_offline_engine_p95_ms": ruled["match_offline"]["engine_p95_ms"],
        "match_online_overhead_ms": round(ruled["match_online"]["mean_ms"] - base["match_online"]["mean_ms"], 3),
        "match_online_engine_p95_ms": ruled["match_online"]["engine_p95_ms"],
        "scan_ms_p50": ruled["scan_ms"]["p50_ms"],
    }
    # "Each event": the ordinary mix and the events that match a rule, off and on the site.
    checks = {f"engine_{case}_p95_within_budget": ruled[case]["engine_p95_ms"] <= BUDGET["engine_ms_per_event"]
              for case in ("mix", "match_offline", "match_online")}
    passed = all(checks.values())
    if "live" in result:
        live = result["live"]
        flat = {"event_p50_ms": live["event"].get("p50_ms"), "event_p95_ms": live["event"].get("p95_ms"),
                "event_max_ms": live["event"].get("max_ms"), "timer_p50_ms": live["timer"].get("p50_ms"),
                "timer_p95_ms": live["timer"].get("p95_ms"), "timer_max_ms": live["timer"].get("max_ms"), **flat}
        passed = (passed and not live["event_missing"] and not live["timer_missing"] and not live["http_errors"]
                  and live["event"]["p95_ms"] <= BUDGET["p95_ms"]
                  and (args.no_timer or live["timer"]["p95_ms"] <= BUDGET["p95_ms"]))
    result = {**flat, **result, "budget": BUDGET, **checks, "pass": passed}
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
