"""Who an outreach rule may reach: a rule and a visit as the engine judges them, the audience's
conditions in words (a decision's reason), and the holdout, random per visitor and stable.
Pure functions of what is in memory: no queries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property

from app.models import Cart, Customer, OutreachRule
from app.models.customer import FLAGS
from app.services.customers import placeholders
from app.services.outreach.rules import compile_pattern

VISITOR_FACING = ("widget_message", "email")
RETURNING_AFTER = timedelta(minutes=30)  # first seen this long before the visit began: a returning visitor


@dataclass(frozen=True)
class Rule:
    """A rule as the engine uses it: the row's fields, its page pattern compiled."""

    id: int
    name: str
    priority: int
    trigger: dict
    audience: dict
    action: dict
    holdout_percent: int
    holdout_seed: str
    cap_hours: int
    business_hours_only: bool
    starts_at: datetime | None
    ends_at: datetime | None
    pattern: object = None

    @property
    def kind(self) -> str:
        return self.trigger["kind"]

    @property
    def visitor_facing(self) -> bool:
        return self.action["kind"] in VISITOR_FACING

    def live(self, now: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (self.ends_at is None or now < self.ends_at)

    def page_matches(self, url: str | None) -> bool:
        return self.pattern is None or (url is not None and self.pattern.search(url) is not None)

    @cached_property
    def profile_audience(self) -> dict:
        """The audience but new-or-returning: what the profile and cart alone can judge."""
        return {k: v for k, v in self.audience.items() if k != "visitor"}


@dataclass(frozen=True)
class Visit:
    """What the audience is checked against: the customer now, their cart, and their visit."""

    customer_id: int
    stage: str
    flags: frozenset[str]
    segment: str
    order_count: int
    language: str | None
    first_seen_at: datetime
    has_email: bool = False
    cart_total: Decimal | None = None  # None: no cart with items
    cart_currency: str | None = None
    tabs: int = 0  # open widget sockets: 0 when the visitor is not on the site
    page_url: str | None = None
    page_since: datetime | None = None
    on_site_since: datetime | None = None
    cart_items: int = 0

    @property
    def returning(self) -> bool:
        start = self.on_site_since or self.page_since
        return start is not None and self.first_seen_at < start - RETURNING_AFTER


def compile_rule(row: OutreachRule) -> Rule:
    pattern = row.trigger.get("url_pattern")
    return Rule(row.id, row.name, row.priority, row.trigger, row.audience or {}, row.action, row.holdout_percent,
                row.holdout_seed, row.cap_hours, row.business_hours_only, row.starts_at, row.ends_at,
                compile_pattern(pattern) if pattern else None)


def language_of(traits: dict | None) -> str | None:
    value = (traits or {}).get("language")
    return value[:2].lower() if isinstance(value, str) and value else None


def visit_of(customer: Customer, cart: Cart | None, *, tabs: int = 0, page_url: str | None = None,
             page_since: datetime | None = None, on_site_since: datetime | None = None) -> Visit:
    loaded = cart is not None and cart.item_count > 0
    return Visit(customer.id, customer.stage, frozenset(f for f in FLAGS if getattr(customer, f"is_{f}")),
                 customer.segment, customer.order_count, language_of(customer.traits), customer.first_seen_at,
                 bool(customer.email), cart.total if loaded else None, cart.currency if loaded else None, tabs,
                 page_url, page_since, on_site_since, cart.item_count if loaded else 0)


def _cart_checks(audience: dict, visit: Visit) -> list[tuple[str, bool]]:
    cart, checks = visit.cart_total, []
    shown = "no cart" if cart is None else placeholders.money(cart, visit.cart_currency)
    if "cart_min" in audience:
        low = Decimal(audience["cart_min"])
        checks.append((f"cart {shown} ≥ {audience['cart_min']}", cart is not None and cart >= low))
    if "cart_max" in audience:
        high = Decimal(audience["cart_max"])
        checks.append((f"cart {shown} ≤ {audience['cart_max']}", cart is not None and cart <= high))
    return checks


def audience_checks(audience: dict, visit: Visit) -> list[tuple[str, bool]]:
    """Each audience condition in words, with whether it holds (the decision's reason)."""
    checks = []
    if "stages" in audience:
        checks.append((f"stage {visit.stage}", visit.stage in audience["stages"]))
    if "flags" in audience:
        have = sorted(visit.flags & set(audience["flags"]))
        checks.append((f"flag {', '.join(have) or 'none of ' + ', '.join(audience['flags'])}", bool(have)))
    if "segments" in audience:
        checks.append((f"segment {visit.segment}", visit.segment in audience["segments"]))
    if "cart_min" in audience or "cart_max" in audience:
        checks += _cart_checks(audience, visit)
    orders = visit.order_count
    if "orders_min" in audience:
        checks.append((f"{orders} orders ≥ {audience['orders_min']}", orders >= audience["orders_min"]))
    if "orders_max" in audience:
        checks.append((f"{orders} orders ≤ {audience['orders_max']}", orders <= audience["orders_max"]))
    if "languages" in audience:
        checks.append((f"language {visit.language or 'unknown'}", visit.language in audience["languages"]))
    if "visitor" in audience:
        kind = "returning" if visit.returning else "new"
        checks.append((f"{kind} visitor", kind == audience["visitor"]))
    return checks


def in_holdout(rule: Rule, customer_id: int) -> bool:
    """Random per visitor and stable: the same visitor is always in (or out of) a rule's holdout."""
    if rule.holdout_percent <= 0:
        return False
    digest = hashlib.sha256(f"{rule.holdout_seed}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < rule.holdout_percent


def ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"
