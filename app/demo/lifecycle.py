"""The demo's year of buyers, so that the lifecycle, cohort, loyalty and "support and buying"
reports have a shape: a few hundred customers whose first orders are spread over the last twelve
months (more in recent ones, as a growing shop), coming back at a rate that fades with time.
Between orders some write to support (a resolved chat, rated good or bad: a bad rating makes a
next order less likely), some make referrals, and those who bought more than once answer NPS.

Orders, page views, referrals and NPS answers arrive through the event path, as a shop sends
them (so stages, flags and their history are the engine's own); the chats and survey rows are
written directly, as demo_outreach writes its conversations. Deterministic and made once."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from app.demo.customers import PRODUCTS
from app.demo.outreach import FIRST_NAMES, LAST_NAMES, SAFE_AGE, _basket, _Person
from app.extensions import db
from app.models import Agent, Conversation, Customer, Message, Survey
from app.models.base import utcnow
from app.services.customers.lifecycle_rules import nps_group
from app.services.shop_events.ingestion import ingest_events

BUYERS = 320
YEAR = 365
MARKER = "cust-life-0"  # the first demo buyer: seeded once
QUESTIONS = ("Where is my order? It has been a week.", "Can I swap the mug for another colour?",
             "Is the kettle compatible with induction hobs?", "Do you ship to Belgium?",
             "My teapot arrived chipped, what now?", "Which green tea is least bitter?")
NPS_COMMENTS = {"promoter": ("Lovely teas and quick delivery.", "The matcha set was a perfect gift!",
                            "Always helpful when I write in."),
                "passive": ("Good tea, shipping could be faster.", "Nice shop, a bit pricey."),
                "detractor": ("My order arrived broken and it took a week to sort out.",
                              "Support never really answered my question.")}
REPLIES = ("Thanks for asking! Here is what I found.", "Sorry about that, a replacement is on its way.",
           "Yes, it is. Enjoy!", "I have sent you a tracking link by email.")


class _Buyer(_Person):
    """One demo buyer's events, and the chats and answers written beside them."""

    def __init__(self, n: int, rng: random.Random):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        super().__init__(f"life-{n}", customer=f"cust-life-{n}", name=name)
        self.n = n
        self.chats: list[tuple[datetime, str, str]] = []  # (when, rating, stage then)
        self.nps: tuple[datetime, int, str, str | None] | None = None  # (when, score, stage then, comment)

    def add(self, kind: str, at: datetime, properties: dict) -> dict:
        event = super().add(kind, at, properties)
        event["id"] = event["id"].replace("demo-out-", "demo-", 1)
        return event


def _next_order_chance(orders: int, last_rating: str | None) -> float:
    # Fewer come back after the first order than after later ones; a bad rating halves the chance.
    chance = 0.42 if orders == 1 else 0.62 if orders < 4 else 0.72
    return chance * (0.5 if last_rating == "bad" else 1.1 if last_rating == "good" else 1.0)


def _browse(buyer: _Buyer, at: datetime, rng: random.Random) -> None:
    sku = rng.choice(sorted(PRODUCTS))
    buyer.visit(at, f"https://demo.shop/products/{sku}", PRODUCTS[sku][0])


def _life(n: int, rng: random.Random, now: datetime) -> _Buyer:
    """A buyer's year: first order, then orders while they keep coming back, chats between."""
    buyer = _Buyer(n, rng)
    end = now - SAFE_AGE
    at = end - timedelta(days=YEAR * rng.random() ** 1.4)  # more first orders in recent months
    buyer.identify(at - timedelta(days=rng.uniform(0, 20)), rng)
    orders, rating = 0, None
    while at < end:
        _browse(buyer, at - timedelta(minutes=rng.uniform(5, 40)), rng)
        orders += 1
        buyer.order(at, f"DEMO-LIFE-{n}-{orders}", _basket(rng))
        if orders == 2 and rng.random() < 0.35:
            buyer.add("referral_made", at + timedelta(days=rng.uniform(1, 20)),
                      {"referred_email": f"friend{n}@example.com"})
        gap = timedelta(days=rng.expovariate(1 / 40) + 7)
        comes_back = rng.random() < _next_order_chance(orders, rating)
        for _ in range(rng.randint(0, 2)):  # days on the site without buying
            _browse(buyer, at + gap * rng.uniform(0.1, 0.9), rng)
        if rng.random() < (0.3 if comes_back else 0.12):  # a question before the next order (or none)
            asked = at + gap - timedelta(days=rng.uniform(0.5, 6)) if comes_back else at + gap * rng.uniform(0.2, 0.9)
            rating = "good" if rng.random() < 0.8 else "bad"
            stage = "loyalty" if orders >= 4 else "conversion" if orders == 1 and asked - at < timedelta(days=30) \
                else "retention"
            buyer.chats.append((asked, rating, stage))
            comes_back = comes_back and (rating == "good" or rng.random() < 0.5)
        if orders >= 2 and buyer.nps is None and rng.random() < 0.5:
            score = rng.choice((9, 10, 10, 8, 7, 9) if rating != "bad" else (2, 4, 5, 6, 7, 3))
            group = nps_group(score)
            comment = rng.choice(NPS_COMMENTS[group]) if rng.random() < 0.4 else None
            buyer.nps = (at + timedelta(days=rng.uniform(3, 25)), score, "loyalty" if orders >= 4 else "retention",
                         comment)
        if not comes_back:
            break
        at += gap
    buyer.chats = [chat for chat in buyer.chats if chat[0] < end]
    buyer.events = [e for e in buyer.events if e["timestamp"] < end.isoformat()]
    if buyer.nps and buyer.nps[0] < end:
        when, score, _stage, comment = buyer.nps
        buyer.add("nps_submitted", when, {"score": score, **({"comment": comment} if comment else {})})
    else:
        buyer.nps = None
    return buyer


def _written(buyers: list[_Buyer], agent_ids: list[int], rng: random.Random) -> None:
    """The buyers' chats (resolved, rated) and NPS answers, as rows."""
    ids = dict(db.session.execute(select(Customer.external_id, Customer.id)
                                  .where(Customer.external_id.in_([b.customer for b in buyers]))).all())
    surveys = []
    for buyer in buyers:
        customer_id = ids[buyer.customer]
        for k, (at, rating, stage) in enumerate(buyer.chats):
            agent = rng.choice(agent_ids)
            chat = Conversation(customer_id=customer_id, status="resolved", channel="chat", created_at=at,
                                last_message_at=at + timedelta(minutes=4), last_seq=2, agent_read_seq=2,
                                visitor_read_seq=2, assignee_id=agent, assigned_at=at,
                                client_key=f"demo-life-{buyer.n}-{k}")
            db.session.add(chat)
            db.session.flush()
            db.session.add_all([
                Message(conversation_id=chat.id, seq=1, client_msg_id=f"demo-life-{buyer.n}-{k}-q",
                        author_type="visitor", body=rng.choice(QUESTIONS), created_at=at),
                Message(conversation_id=chat.id, seq=2, client_msg_id=f"demo-life-{buyer.n}-{k}-a",
                        author_type="agent", author_agent_id=agent, body=rng.choice(REPLIES),
                        created_at=at + timedelta(minutes=4))])
            surveys.append(_survey("csat", f"conversation:{chat.id}", customer_id, at + timedelta(minutes=20),
                                   stage=stage, channel="chat", conversation_id=chat.id, agent_id=agent,
                                   rating=rating))
        if buyer.nps:
            at, score, stage, comment = buyer.nps
            surveys.append(_survey("nps", f"demo-nps:{buyer.n}", customer_id, at, stage=stage, channel="nps",
                                   score=score, comment=comment))
    if surveys:
        db.session.execute(insert(Survey), surveys)


def _survey(kind: str, subject: str, customer_id: int, at: datetime, **fields) -> dict:
    return {"kind": kind, "subject_key": subject, "customer_id": customer_id, "asked_via": "widget", "asked_at": at,
            "answered_at": at + timedelta(minutes=2), "answered_via": "widget", "conversation_id": None,
            "agent_id": None, "rating": None, "score": None, "comment": None, **fields}


def seed_lifecycle_history(seed: int = 17) -> int:
    """The year of buyers, once (skipped when the first one exists). Returns the events accepted."""
    if db.session.scalar(select(Customer.id).where(Customer.external_id == MARKER)) is not None:
        return 0
    rng, now = random.Random(seed), utcnow()
    buyers = [_life(n, rng, now) for n in range(BUYERS)]
    events = sorted((e for b in buyers for e in b.events), key=lambda e: (e["timestamp"], e["id"]))
    result = ingest_events(events, source="demo")
    if result.rejected:
        raise RuntimeError(f"demo lifecycle events rejected: {result.rejected[:3]}")
    agent_ids = list(db.session.scalars(select(Agent.id).where(Agent.role == "agent").order_by(Agent.id)))
    _written(buyers, agent_ids or [None], rng)
    db.session.commit()
    return result.accepted
