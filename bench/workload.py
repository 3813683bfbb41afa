"""Shared by the benchmarks: a realistic, reproducible stream of shop events, and a fresh database.

The stream mixes what a shop sends (page and product views, identifies that link anonymous ids,
whole-cart updates, checkouts, orders, some refunds, sign-ups, NPS, referrals, custom events)
over many customers, with a share of repeated deliveries and slightly out-of-order timestamps.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SKUS = [(f"SKU-{n:04d}", f"Product {n}", f"{5 + (n * 37) % 195}.{(n * 13) % 100:02d}") for n in range(400)]
SOURCES = [("google", "cpc", "winter"), ("newsletter", "email", "weekly"), ("facebook", "social", "promo"),
           (None, None, None)]


@dataclass
class Shopper:
    """What the generator remembers about one customer to keep their events plausible."""

    number: int
    anonymous_id: str
    identified: bool = False
    linked: bool = False  # the current anonymous id is known to belong to the customer
    signed_up: bool = False
    cart: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    refunded: set = field(default_factory=set)
    devices: int = 1

    @property
    def external_id(self) -> str:
        return f"cust-{self.number:06d}"


class Workload:
    """`events(n)` yields n events (as parsed JSON: strings for timestamps) in delivery order."""

    def __init__(self, customers: int = 10_000, *, seed: int = 7, duplicate_share: float = 0.05,
                 days: int = 400, end: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.shoppers = [Shopper(n, f"anon-{n:06d}-1") for n in range(customers)]
        self.duplicate_share = duplicate_share
        self.end = end or datetime.now(UTC) - timedelta(minutes=5)
        self.start = self.end - timedelta(days=days)
        self.recent: list[dict] = []
        self.serial = 0

    def events(self, n: int):
        span = (self.end - self.start).total_seconds()
        for i in range(n):
            if self.recent and self.rng.random() < self.duplicate_share:
                yield dict(self.rng.choice(self.recent))  # a retried delivery: same id, same content
                continue
            # Time moves forward with the stream; a few minutes of jitter puts some events out of order.
            when = self.start + timedelta(seconds=span * i / n - self.rng.uniform(0, 600))
            event = self._next(self.rng.choice(self.shoppers), when)
            self.recent = (self.recent + [event])[-200:]
            yield event

    # --- one event --------------------------------------------------------------------------

    def _base(self, kind: str, shopper: Shopper, when: datetime, *, anonymous: bool, props: dict) -> dict:
        self.serial += 1
        event = {"id": f"evt-{self.serial:08d}-{uuid.UUID(int=self.rng.getrandbits(128)).hex[:8]}",
                 "type": kind, "timestamp": when.isoformat(), "properties": props}
        if anonymous:
            event["anonymous_id"] = shopper.anonymous_id
        else:
            event["customer_id"] = shopper.external_id
            if self.rng.random() < 0.3:
                event["anonymous_id"] = shopper.anonymous_id
        return event

    def _next(self, s: Shopper, when: datetime) -> dict:
        r = self.rng.random()
        anonymous = not s.identified or not s.linked
        if s.identified and s.linked and r < 0.01:
            s.devices += 1  # a new browser: anonymous again until the next identify merges it
            s.anonymous_id, s.linked = f"anon-{s.number:06d}-{s.devices}", False
        if not s.identified or not s.linked:
            if r < 0.1:
                return self._identify(s, when)
            if r < 0.55:
                return self._page(s, when, anonymous=True)
            if r < 0.85:
                return self._product(s, when, anonymous=True)
            return self._cart(s, when, anonymous=True)
        return self._known(s, when, r, anonymous)

    def _known(self, s: Shopper, when: datetime, r: float, anonymous: bool) -> dict:
        """A known customer's next event, by cumulative share: views, cart, checkout, orders, …"""
        for bound, make in (
            (0.33, lambda: self._page(s, when, anonymous=anonymous)),
            (0.53, lambda: self._product(s, when, anonymous=anonymous)),
            (0.70, lambda: self._cart(s, when, anonymous=False)),
            (0.74, lambda: self._base("checkout_started", s, when, anonymous=False, props=self._cart_props(s.cart))),
            (0.86, lambda: self._order(s, when)),
            (0.88, lambda: self._refund(s, when) if s.orders else None),
            (0.91, lambda: self._signed_up(s, when)),
            (0.93, lambda: self._base("nps_submitted", s, when, anonymous=False,
                                      props={"score": self.rng.randint(0, 10)})),
            (0.94, lambda: self._base("referral_made", s, when, anonymous=False,
                                      props={"referred_email": f"friend{self.serial}@example.com"})),
            (0.97, lambda: self._identify(s, when)),
        ):
            if r < bound:
                event = make()
                if event is not None:
                    return event
        return self._base("wishlist_added", s, when, anonymous=False, props={"sku": self.rng.choice(SKUS)[0]})

    def _signed_up(self, s: Shopper, when: datetime) -> dict | None:
        if s.signed_up:
            return None
        s.signed_up = True
        return self._base("signed_up", s, when, anonymous=False, props={"plan": "free"})

    def _identify(self, s: Shopper, when: datetime) -> dict:
        s.identified = s.linked = True
        event = self._base("identify", s, when, anonymous=False, props={
            "email": f"{s.external_id}@example.com", "name": f"Customer {s.number}",
            "traits": {"plan": self.rng.choice(["free", "plus"]), "awareness": "product aware"},
        })
        event["anonymous_id"] = s.anonymous_id
        return event

    def _page(self, s: Shopper, when: datetime, *, anonymous: bool) -> dict:
        source, medium, campaign = self.rng.choice(SOURCES)
        props = {"url": f"https://shop.example/p/{self.rng.randint(1, 500)}", "title": "A page",
                 "referrer": "https://www.google.com/"}
        if source:
            props.update(utm_source=source, utm_medium=medium, utm_campaign=campaign)
        return self._base("page_viewed", s, when, anonymous=anonymous, props=props)

    def _product(self, s: Shopper, when: datetime, *, anonymous: bool) -> dict:
        sku, name, price = self.rng.choice(SKUS)
        return self._base("product_viewed", s, when, anonymous=anonymous,
                          props={"sku": sku, "name": name, "price": price, "url": f"https://shop.example/{sku}"})

    @staticmethod
    def _cart_props(lines: list) -> dict:
        total = sum(float(price) * qty for _, _, qty, price in lines)
        return {"items": [{"sku": sku, "name": name, "quantity": qty, "unit_price": price}
                          for sku, name, qty, price in lines],
                "currency": "EUR", "total": f"{total:.2f}"}

    def _cart(self, s: Shopper, when: datetime, *, anonymous: bool) -> dict:
        if s.cart and self.rng.random() < 0.2:
            s.cart = s.cart[:-1]
        else:
            sku, name, price = self.rng.choice(SKUS)
            s.cart = (s.cart + [(sku, name, self.rng.randint(1, 3), price)])[-6:]
        return self._base("cart_updated", s, when, anonymous=anonymous, props=self._cart_props(s.cart))

    def _order(self, s: Shopper, when: datetime) -> dict:
        lines = s.cart or [(*self.rng.choice(SKUS)[:2], 1, self.rng.choice(SKUS)[2])]
        order_id = f"ord-{s.number:06d}-{len(s.orders) + 1}"
        s.orders.append(order_id)
        s.cart = []
        return self._base("order_placed", s, when, anonymous=False,
                          props={"order_id": order_id, **self._cart_props(lines)})

    def _refund(self, s: Shopper, when: datetime) -> dict:
        order_id = self.rng.choice(s.orders)
        s.refunded.add(order_id)
        return self._base("order_refunded", s, when, anonymous=False, props={"order_id": order_id})


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def temporary_database(tmp_dir: Path, database_url: str | None):
    """A fresh database URL: a SQLite file in tmp_dir, or a new database on the given PostgreSQL
    server (created here, dropped on exit)."""
    if not database_url:
        yield f"sqlite:///{tmp_dir / 'bench.db'}"
        return
    from tests.support.services import throwaway_postgres_database

    with throwaway_postgres_database("helpdesk_bench", database_url) as url:
        yield url


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of samples, rounded to 0.01."""
    ordered = sorted(samples)
    return round(ordered[max(int(round(len(ordered) * share)) - 1, 0)], 2)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from the kernel's accounting."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def server_cpu_seconds(server) -> float:
    """CPU time of a gunicorn server (a LiveServer): its master and its workers."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sum(process_cpu_seconds(p) for p in [pid, *map(int, children)])
