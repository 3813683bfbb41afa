"""The demo's proactive outreach: four rules as an admin would write them, and the last month of
their decisions, so that Settings › Outreach has reasons, replies and an uplift over the holdout
to show. The visitors behind the decisions (their carts, orders and page views) arrive through
the event path, as a shop would send them; the decisions are written as the engine writes them,
each in the holdout exactly when the engine would put that customer there. Deterministic (a fixed
seed, event ids fixed) and made once."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, or_, select

from app.demo.customers import PRODUCTS
from app.extensions import db
from app.models import AnonymousVisitor, Conversation, Customer, CustomerEvent, Message, OutreachDecision, OutreachRule
from app.models.base import utcnow
from app.services.customers import placeholders
from app.services.outreach import audience
from app.services.outreach.rules import RuleSpec, save_rule
from app.services.platform.audit import Actor
from app.services.shop_events.ingestion import ingest_events

DEMO = Actor("system", None, "demo")
SHOP_URL = "https://demo.shop"

IDLE_CART = "Idle cart on checkout"
RETURNS = "Returning visitor reading the returns policy"
FIRST_ORDER = "First-order check-in after 7 days"
VIP_BACK = "At-risk VIP is back"

RULES = (
    RuleSpec(IDLE_CART, trigger={"kind": "cart_idle", "seconds": 180, "url_pattern": "/checkout"},
             audience={"stages": ["acquisition", "conversion", "retention", "loyalty"], "cart_min": "50"},
             action={"kind": "widget_message",
                     "body": "Hi {{customer.first_name|there}}, your cart of {{cart.total}} is waiting. "
                             "Any questions before you check out? I'm here to help."},
             holdout_percent=20, cap_hours=24, priority=90),
    # The help center's returns articles (/help/en/articles/return-policy, …/how-to-return-an-item,
    # in every language) or a shop page under /returns.
    RuleSpec(RETURNS, trigger={"kind": "page_dwell", "seconds": 20, "url_pattern": "/(help/[a-z]{2}/.*return|returns)"},
             audience={"visitor": "returning"},
             action={"kind": "widget_message",
                     "body": "Thinking about a return? Tell us what's up and we'll sort it out quickly."},
             holdout_percent=10, priority=60),
    RuleSpec(FIRST_ORDER, trigger={"kind": "days_after_first_order", "days": 7}, audience={"orders_max": 1},
             action={"kind": "follow_up_ticket",
                     "subject": "Check in with {{customer.first_name|the customer}} after their first order",
                     "body": "Their first order was a week ago: ask how it went and whether they need anything."},
             holdout_percent=0, priority=40),
    RuleSpec(VIP_BACK, trigger={"kind": "event", "event": "page_viewed"}, audience={"flags": ["vip", "at_risk"]},
             action={"kind": "agent_alert", "body": "At-risk VIP {{customer.name|a customer}} is on the site: "
                                                    "worth a hello."},
             priority=80, cap_hours=24),
)

DAYS = 29.5  # the history fits in the last 30 days (the report's default period)
SHOPPERS = 600  # idle carts at checkout, one decision each (and a few capped second ones)
READERS = 50  # returning visitors on a returns article
REGULARS = (6, 8)  # VIPs, at-risk customers: the VIP alert's audience, with the demo's own
ALERTS = 50
CHECK_INS = 50
CONVERSION = {"shown": 0.30, "held_out": 0.18}  # ordered within 24 h of the decision
OPENED, REPLIED = 0.25, 0.12  # of the messages shown
# What visitors answered to a proactive message (each answer is a resolved conversation).
ANSWERS = ("Yes please: does the Assam come in a larger tin?", "Is shipping free over 40 EUR?",
           "Can I still change the address after paying?", "Do you ship to Portugal?",
           "Which of these teas is least bitter?", "Is the kettle's warranty two years?")
CAPPED = 0.05  # of the shoppers: back at checkout within the day, capped by the rule
SAFE_AGE = timedelta(hours=2)  # nothing ingested is newer: event-triggered rules ignore it (> 1 h)

FIRST_NAMES = ("Emma", "Lucas", "Sofia", "Noah", "Julia", "Daan", "Inês", "Mateo", "Hannah", "Yusuf", "Chloé",
               "Luca", "Ana", "Finn", "Zara", "Ravi", "Mei", "Oliver", "Fatima", "Jakub", "Elif", "Tomás",
               "Freya", "Kwame")
LAST_NAMES = ("Jansen", "Costa", "Müller", "Dubois", "Rossi", "Nowak", "Ferreira", "Visser", "Khan", "Larsen",
              "Moreau", "Okoye", "Silva", "Bakker", "Yilmaz", "Andersson", "García", "Murphy", "Tanaka", "Peeters")
LANGUAGES = ("en", "en", "en", "nl", "pt", "de")
RETURN_ARTICLES = ("return-policy", "how-to-return-an-item")
HELP_LANGUAGES = ("en", "en", "en", "nl", "pt")


@dataclass
class _Person:
    """One demo visitor's events (ids stable), and the moment a rule acted on them."""

    key: str
    customer: str | None = None
    anonymous: str | None = None
    name: str | None = None
    at: datetime | None = None  # the decision
    lines: list[dict] = field(default_factory=list)  # the cart at that moment
    cart_event: str | None = None  # the snapshot the idle-cart rule's occurrence is named by
    page: str | None = None
    events: list[dict] = field(default_factory=list)

    def add(self, kind: str, at: datetime, properties: dict) -> dict:
        event = {"id": f"demo-out-{self.key}-{len(self.events) + 1}", "type": kind, "timestamp": at.isoformat(),
                 "properties": properties}
        if self.customer:
            event["customer_id"] = self.customer
        if self.anonymous:
            event["anonymous_id"] = self.anonymous
        self.events.append(event)
        return event

    def identify(self, at: datetime, rng: random.Random) -> None:
        plain = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode()
        slug = "".join(c for c in plain.lower().replace(" ", ".") if c.isalnum() or c == ".")
        self.add("identify", at, {"name": self.name, "email": f"{slug}.{self.key}@example.com",
                                  "traits": {"language": rng.choice(LANGUAGES)}})

    def visit(self, at: datetime, url: str, title: str) -> dict:
        return self.add("page_viewed", at, {"url": url, "title": title})

    def cart(self, at: datetime, lines: list[dict]) -> dict:
        return self.add("cart_updated", at, {"items": lines, "currency": "EUR", "total": _total(lines)})

    def order(self, at: datetime, order_id: str, lines: list[dict]) -> None:
        self.add("order_placed", at, {"order_id": order_id, "items": lines, "currency": "EUR",
                                      "total": _total(lines)})
        self.cart(at + timedelta(seconds=1), [])  # the shop empties the cart


def _total(lines: list[dict]) -> str:
    return f"{sum(float(line['unit_price']) * line['quantity'] for line in lines):.2f}"


def _basket(rng: random.Random, least: float = 0) -> list[dict]:
    """One to three products (a few of the cheap ones), worth at least `least`."""
    lines: dict[str, int] = {}
    for sku in rng.sample(sorted(PRODUCTS), rng.randint(1, 3)):
        lines[sku] = rng.choice((1, 1, 1, 2)) if float(PRODUCTS[sku][1]) > 40 else rng.randint(1, 4)
    while sum(float(PRODUCTS[s][1]) * q for s, q in lines.items()) < least:
        sku = rng.choice(("POT-03", "KET-04", "SET-05"))
        lines[sku] = lines.get(sku, 0) + 1
    return [{"sku": s, "name": PRODUCTS[s][0], "quantity": q, "unit_price": PRODUCTS[s][1]}
            for s, q in lines.items()]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _ago(rng: random.Random, now: datetime, least: timedelta, most: timedelta = timedelta(days=DAYS)) -> datetime:
    return now - timedelta(seconds=rng.uniform(least.total_seconds(), most.total_seconds()))


# --- the people ----------------------------------------------------------------------------------


def _shopper(n: int, rng: random.Random, now: datetime) -> _Person:
    """A visitor whose cart sat still on the checkout page for three minutes. Most are known to
    the shop (some bought before); the others are anonymous and, if they buy, check out as guests."""
    at = _ago(rng, now, timedelta(hours=12))  # its conversion (≤ 10 h later) is still in the past
    if rng.random() < 0.7:
        person = _Person(f"cart-{n}", customer=f"cust-out-{n}", name=_name(rng))
        person.identify(at - timedelta(days=rng.uniform(0.2, 120)), rng)
        if rng.random() < 0.2:
            person.order(at - timedelta(days=rng.uniform(35, 200)), f"DEMO-OUT-{n}-0", _basket(rng))
    else:
        person = _Person(f"cart-{n}", anonymous=f"anon-out-{n}")
        sku = rng.choice(sorted(PRODUCTS))
        person.visit(at - timedelta(minutes=rng.uniform(10, 60)), f"{SHOP_URL}/products/{sku}", PRODUCTS[sku][0])
    person.at, person.lines, person.page = at, _basket(rng, 50), f"{SHOP_URL}/checkout"
    person.cart_event = person.cart(at - timedelta(seconds=180 + rng.uniform(60, 1200)), person.lines)["id"]
    person.visit(at - timedelta(seconds=180 + rng.uniform(0.05, 0.9)), person.page, "Checkout")
    return person


def _reader(n: int, rng: random.Random, now: datetime, help_url: str) -> _Person:
    """A customer back a few days after their first order, reading how to return it."""
    at = _ago(rng, now, SAFE_AGE)
    person = _Person(f"returns-{n}", customer=f"cust-out-r{n}", name=_name(rng), at=at)
    person.identify(at - timedelta(days=rng.uniform(25, 150)), rng)
    person.order(at - timedelta(days=rng.uniform(3, 21)), f"DEMO-OUT-R{n}", _basket(rng))
    person.page = f"{help_url}/help/{rng.choice(HELP_LANGUAGES)}/articles/{rng.choice(RETURN_ARTICLES)}"
    person.visit(at - timedelta(seconds=20 + rng.uniform(0.05, 0.9)), person.page, "Returns")
    return person


def _regular(n: int, rng: random.Random, now: datetime, *, vip: bool) -> _Person:
    """A VIP (an order every two weeks, the latest days ago) or an at-risk customer (three orders
    a few weeks apart, the latest months ago)."""
    person = _Person(f"regular-{n}", customer=f"cust-out-v{n}", name=_name(rng))
    count, gap = (rng.randint(7, 9), (10, 16)) if vip else (3, (18, 30))
    placed = now - timedelta(days=rng.uniform(2, 9) if vip else rng.uniform(75, 170))
    dates = [placed]
    for _ in range(count - 1):
        dates.append(dates[-1] - timedelta(days=rng.uniform(*gap)))
    person.identify(dates[-1] - timedelta(days=rng.uniform(1, 20)), rng)
    for number, at in enumerate(reversed(dates), start=1):
        person.order(at, f"DEMO-OUT-V{n}-{number}", _basket(rng, 60 if vip else 0))
    return person


# --- seeding -------------------------------------------------------------------------------------


def seed_outreach(seed: int = 7) -> dict:
    """The demo rules (each made once, by name) and, once, their month of history. Returns what
    was made: {"rules", "events", "decisions"} (zeros on a second run)."""
    made = 0
    for spec in RULES:
        if db.session.scalar(select(OutreachRule.id).where(OutreachRule.name == spec.name).limit(1)) is None:
            save_rule(spec, by=DEMO)
            made += 1
    rows = {}
    for rule in db.session.scalars(select(OutreachRule).where(OutreachRule.name.in_([s.name for s in RULES]))
                                   .order_by(OutreachRule.id)):
        rows.setdefault(rule.name, rule)
    counts = {"rules": made, "events": 0, "decisions": 0}
    live = [rule for rule in rows.values() if rule.deleted_at is None]
    decided = db.session.scalar(select(func.count()).select_from(OutreachDecision)
                                .where(OutreachDecision.rule_id.in_([rule.id for rule in rows.values()])))
    if len(live) == len(RULES) and not decided:
        counts["events"], counts["decisions"] = _history(rows, random.Random(seed), utcnow())
    return counts


def _ingest(events: list[dict]) -> int:
    if not events:
        return 0
    result = ingest_events(sorted(events, key=lambda e: (e["timestamp"], e["id"])), source="demo")
    if result.rejected:
        raise RuntimeError(f"demo outreach events rejected: {result.rejected[:3]}")
    return result.accepted


def _profile_ids(people: list[_Person]) -> dict[str, int]:
    """Each person's customer id (by key), found by their shop id or anonymous id."""
    by_external = dict(db.session.execute(select(Customer.external_id, Customer.id).where(
        Customer.external_id.in_([p.customer for p in people if p.customer]))).all())
    by_anonymous = dict(db.session.execute(select(AnonymousVisitor.anonymous_id, AnonymousVisitor.customer_id).where(
        AnonymousVisitor.anonymous_id.in_([p.anonymous for p in people if p.anonymous]))).all())
    return {p.key: by_external[p.customer] if p.customer else by_anonymous[p.anonymous] for p in people}


class _Log:
    """The decisions, as the engine would have logged them."""

    def __init__(self, rows: dict[str, OutreachRule], rng: random.Random):
        self.rules = {name: audience.compile_rule(row) for name, row in rows.items()}
        self.rng = rng
        self.rows: list[dict] = []

    def outcome(self, name: str, customer_id: int) -> str:
        return "held_out" if audience.in_holdout(self.rules[name], customer_id) else "shown"

    def add(self, name: str, customer: Customer, key: str, why: str, labels: list[str], outcome: str, at: datetime,
            *, verdict: str | None = None, values: dict | None = None) -> dict:
        rule = self.rules[name]
        verdict = verdict or ("held out: in the rule's holdout group, so nothing was sent" if outcome == "held_out"
                              else "reached out")
        body = None
        if outcome != "capped":
            body = placeholders.render(rule.action["body"], {
                "customer.first_name": (customer.name or "").split(" ")[0] or None, "customer.name": customer.name,
                **(values or {})}).text
        shown = outcome == "shown" and rule.visitor_facing
        opened = shown and self.rng.random() < OPENED
        replied = opened and self.rng.random() < REPLIED / OPENED
        opened_at = at + timedelta(seconds=self.rng.uniform(4, 90)) if opened else None
        reason = f"{why}; audience: {', '.join(labels)}; {verdict}"
        row = {"rule_id": rule.id, "customer_id": customer.id, "trigger_key": key[:160], "outcome": outcome,
               "visitor_facing": rule.visitor_facing, "reason": reason[:500], "body": body, "created_at": at,
               "delivered_to": (1 if rule.kind != "days_after_first_order" else 0) if outcome == "shown" else 0,
               "opened_at": opened_at,
               "replied_at": opened_at + timedelta(seconds=self.rng.uniform(10, 120)) if replied else None}
        self.rows.append(row)
        return row


def _history(rows: dict[str, OutreachRule], rng: random.Random, now: datetime) -> tuple[int, int]:
    """A month of decisions for the four rules; returns (events accepted, decisions written)."""
    help_url = current_app.config["HELPDESK_PUBLIC_URL"]
    shoppers = [_shopper(n, rng, now) for n in range(SHOPPERS)]
    readers = [_reader(n, rng, now, help_url) for n in range(READERS)]
    regulars = [_regular(n, rng, now, vip=n < REGULARS[0]) for n in range(sum(REGULARS))]
    accepted = _ingest([e for p in shoppers + readers + regulars for e in p.events])
    ids = _profile_ids(shoppers + readers)
    # As they were at the moment of the decisions: before the orders that follow them.
    customers = {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids.values())))}
    log = _Log(rows, rng)
    # What happened after the decisions (orders, carts, visits), in the order the rules come.
    later = _idle_carts(log, shoppers, customers, ids, rng, now)
    _returning_readers(log, readers, customers, ids, rng)
    later += _vip_alerts(log, regulars, ids, rng, now)
    accepted += _ingest(later)
    _first_order_check_ins(log, rng, now)
    db.session.execute(insert(OutreachDecision), log.rows)
    _answered(rng)
    db.session.commit()
    return accepted, len(log.rows)


def _demo_people():
    return select(CustomerEvent.customer_id).where(CustomerEvent.source == "demo")


def _idle_carts(log: _Log, shoppers: list[_Person], customers: dict, ids: dict, rng: random.Random,
                now: datetime) -> list[dict]:
    """Idle carts: reached out or held out; some of each buy within the day, the reached more
    often. Returns the events that follow the decisions."""
    later: list[dict] = []
    groups: dict[str, list[_Person]] = {"shown": [], "held_out": []}
    for person in shoppers:
        customer = customers[ids[person.key]]
        outcome = log.outcome(IDLE_CART, customer.id)
        cart = placeholders.money(_total(person.lines), "EUR")
        labels = [f"stage {customer.stage}", f"cart {cart} ≥ 50"]
        log.add(IDLE_CART, customer, f"cart:{person.cart_event}", f"cart unchanged for 3 min on {person.page}",
                labels, outcome, person.at, values={"cart.total": cart})
        groups[outcome].append(person)
    buyers = set()
    for outcome, people in groups.items():
        for person in rng.sample(people, round(CONVERSION[outcome] * len(people))):
            buyers.add(person.key)
            at, start = person.at + timedelta(minutes=rng.uniform(5, 600)), len(person.events)
            if person.anonymous:  # a guest checkout gives a name and an email
                person.name = _name(rng)
                person.identify(at - timedelta(seconds=30), rng)
            person.order(at, f"DEMO-OUT-{person.key.removeprefix('cart-')}", person.lines)
            later += person.events[start:]
    # Back at checkout later that day: the rule had reached (or held out) them already.
    again = [p for p in shoppers if p.key not in buyers and p.at + timedelta(hours=21) < now - SAFE_AGE]
    for person in rng.sample(again, round(CAPPED * SHOPPERS)):
        customer = customers[ids[person.key]]
        hours = rng.uniform(2, 20)
        at, lines = person.at + timedelta(hours=hours), person.lines + _basket(rng)[:1]
        lines = list({line["sku"]: line for line in lines}.values())
        snapshot = person.cart(at - timedelta(seconds=180 + rng.uniform(60, 600)), lines)
        later += [snapshot, person.visit(at - timedelta(seconds=180 + rng.uniform(0.05, 0.9)), person.page, "Checkout")]
        cart = placeholders.money(_total(lines), "EUR")
        log.add(IDLE_CART, customer, f"cart:{snapshot['id']}", f"cart unchanged for 3 min on {person.page}",
                [f"stage {customer.stage}", f"cart {cart} ≥ 50"], "capped", at,
                verdict=f"capped: this rule reached them {audience.ago(at - person.at)} ago "
                        "(at most once every 24 h)")
    return later


def _returning_readers(log: _Log, readers: list[_Person], customers: dict, ids: dict, rng: random.Random) -> None:
    """Returning visitors on a returns article for 20 seconds."""
    for person in readers:
        customer = customers[ids[person.key]]
        sid = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=20))
        log.add(RETURNS, customer, f"page:{sid}", f"20 s on {person.page}", ["returning visitor"],
                log.outcome(RETURNS, customer.id), person.at)


def _vip_alerts(log: _Log, regulars: list[_Person], ids: dict, rng: random.Random, now: datetime) -> list[dict]:
    """The VIP alert: the demo's VIPs and at-risk customers (ours and the demo's own), back on the
    site. Returns their visits."""
    later = []
    regular_ids = set(_profile_ids(regulars).values())
    flagged = list(db.session.scalars(select(Customer).where(
        Customer.id.in_(_demo_people()), or_(Customer.is_vip.is_(True), Customer.is_at_risk.is_(True)),
        or_(Customer.id.in_(regular_ids), Customer.id.not_in(ids.values())), Customer.external_id.is_not(None))
        .order_by(Customer.id)))
    slots = [(c, day) for c in flagged for day in range(1, 30, 2)]  # two days apart: never capped
    for n, (customer, day) in enumerate(sorted(rng.sample(slots, min(ALERTS, len(slots))),
                                               key=lambda s: (s[0].id, s[1]))):
        at = now - timedelta(days=day + rng.uniform(0.1, 0.6))
        sku = rng.choice(sorted(PRODUCTS))
        url = rng.choice((f"{SHOP_URL}/", f"{SHOP_URL}/products/{sku}"))
        visitor = _Person(f"alert-{n}", customer=customer.external_id)
        event = visitor.visit(at, url, "Demo Tea Shop" if url.endswith("/") else PRODUCTS[sku][0])
        later.append(event)
        have = sorted({"vip", "at_risk"} & set(customer.flags))
        log.add(VIP_BACK, customer, f"event:{event['id']}", f"page_viewed on {url}", [f"flag {', '.join(have)}"],
                "shown", at)
    return later


def _first_order_check_ins(log: _Log, rng: random.Random, now: datetime) -> None:
    """A week after a first (and only) order: every demo customer the timer would pick up now,
    and others to make the month's count."""
    due = now - timedelta(days=7)
    timer_window = due - timedelta(days=2, hours=1)
    pool = list(db.session.scalars(select(Customer).where(
        Customer.id.in_(_demo_people()), Customer.order_count == 1, Customer.first_order_at <= due,
        Customer.first_order_at >= now - timedelta(days=DAYS + 7)).order_by(Customer.id)))
    must = [c for c in pool if c.first_order_at > timer_window]
    rest = [c for c in pool if c.first_order_at <= timer_window]
    for customer in must + rng.sample(rest, max(0, min(len(rest), CHECK_INS - len(must)))):
        at = min(customer.first_order_at + timedelta(days=7, seconds=rng.uniform(1, 60)), now)
        log.add(FIRST_ORDER, customer, "first-order",
                f"first order 7 days ago ({customer.first_order_at:%Y-%m-%d})", ["1 orders ≤ 1"], "shown", at)


def _answered(rng: random.Random) -> None:
    """Each answered message as the conversation it started: the rule's message, the visitor's
    answer, resolved (the conversation page names the rule; the support report counts the chat)."""
    for decision in db.session.scalars(select(OutreachDecision).where(OutreachDecision.replied_at.is_not(None))
                                       .order_by(OutreachDecision.id)):
        at = decision.replied_at
        conversation = Conversation(customer_id=decision.customer_id, status="resolved", channel="proactive",
                                    created_at=at, last_message_at=at, last_seq=2, agent_read_seq=2,
                                    visitor_read_seq=2, client_key=f"demo-outreach-{decision.id}")
        db.session.add(conversation)
        db.session.flush()
        db.session.add_all([
            Message(conversation_id=conversation.id, seq=1, client_msg_id=f"outreach-{decision.id}",
                    author_type="agent", body=decision.body, created_at=decision.created_at),
            Message(conversation_id=conversation.id, seq=2, client_msg_id=f"demo-answer-{decision.id}",
                    author_type="visitor", body=rng.choice(ANSWERS), created_at=at)])
        decision.conversation_id = conversation.id
