"""The outreach timer: conditions that become true with time alone (a cart left unchanged, time on
a page, a returning visitor, days after the first order). Each pass reads the visitors on the site
in one query, decides what is due, and says when the next condition will come due, so the loop
sleeps until that moment (at most a second): a rule fires within milliseconds of becoming true,
without a pass every few milliseconds."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Cart, Customer, OutreachDecision, RealtimeConnection
from app.models.base import utcnow
from app.models.customer import FLAGS
from app.services.outreach.audience import Rule, Visit, language_of, visit_of
from app.services.outreach.engine import Candidate, Delivery, current_rules, decide, deliver
from app.services.platform import presence

log = logging.getLogger(__name__)

ON_SITE_KINDS = ("cart_idle", "page_dwell", "returning_visitor")
MAX_SLEEP = 1.0  # a visitor who arrives is seen within a second
# Passes at least this far apart: conditions coming due in a stream cost a pass per quarter second
# at most, not one each (a pass reads every visitor on the site).
MIN_SLEEP = 0.25
FIRST_ORDER_EVERY = 60  # seconds between looks for customers N days after their first order
FIRST_ORDER_LOOKBACK = timedelta(days=2)  # a pass missed (downtime) is caught up within this

# Occurrences this process has decided (or found decided): not tried again on every pass.
_decided: set[tuple[int, int, str]] = set()
_MAX_DECIDED = 200_000
_first_order_pass = {"at": 0.0}


@dataclass(frozen=True)
class ScanResult:
    deliveries: list[Delivery]
    next_due: datetime | None  # the earliest condition not yet true, if any


def _online_visits() -> list[tuple[Visit, str, str | None, datetime | None]]:
    """Every visitor on the site now with their latest page: (visit, sid of that page, the loaded
    cart's snapshot id, when that cart last changed)."""
    live = (select(RealtimeConnection.customer_id, func.max(RealtimeConnection.id).label("latest"),
                   func.min(RealtimeConnection.connected_at).label("since"), func.count().label("tabs"))
            .where(RealtimeConnection.namespace == presence.CHAT, RealtimeConnection.customer_id.is_not(None),
                   RealtimeConnection.seen_at >= presence.live_after())
            .group_by(RealtimeConnection.customer_id).subquery())
    flags = [getattr(Customer, f"is_{flag}") for flag in FLAGS]
    rows = db.session.execute(
        select(Customer.id, Customer.stage, Customer.segment, Customer.order_count, Customer.traits,
               Customer.first_seen_at, Customer.email, *flags, live.c.tabs, live.c.since, RealtimeConnection.sid,
               RealtimeConnection.page_url, RealtimeConnection.connected_at, Cart.total, Cart.currency,
               Cart.item_count, Cart.updated_at, Cart.event_id)
        .join(live, live.c.customer_id == Customer.id)
        .join(RealtimeConnection, RealtimeConnection.id == live.c.latest)
        .outerjoin(Cart, Cart.customer_id == Customer.id)
        .where(Customer.erased_at.is_(None)))
    visits = []
    for row in rows:
        (cid, stage, segment, orders, traits, first_seen, email, *rest) = row
        flag_values, rest = rest[:len(FLAGS)], rest[len(FLAGS):]
        tabs, since, sid, url, page_since, total, currency, items, cart_at, cart_event = rest
        loaded = bool(items)
        visit = Visit(cid, stage, frozenset(f for f, on in zip(FLAGS, flag_values, strict=True) if on), segment,
                      orders, language_of(traits), first_seen,
                      bool(email), total if loaded else None, currency if loaded else None, tabs, url, page_since,
                      since, items if loaded else 0)
        visits.append((visit, sid, cart_event if loaded else None, cart_at if loaded else None))
    return visits


def _due(rule: Rule, visit: Visit, sid: str, cart_event: str | None, cart_at, matches) -> tuple | None:
    """When this rule's condition is (or will be) true for the visit: (moment, occurrence key, why).
    The cheap checks come first; `matches(rule, url)` is the page pattern, remembered per pass."""
    if (rule.kind == "cart_idle" and cart_event is None) or (rule.kind == "returning_visitor" and not visit.returning):
        return None
    if rule.pattern is not None and not matches(rule, visit.page_url):
        return None
    seconds = timedelta(seconds=rule.trigger.get("seconds") or 0)
    where = f" on {visit.page_url}" if rule.pattern is not None else ""
    if rule.kind == "cart_idle":
        start = max(cart_at, visit.page_since if rule.pattern is not None else visit.on_site_since)
        return start + seconds, f"cart:{cart_event}", f"cart unchanged for {_span(seconds)}{where}"
    if rule.kind == "page_dwell":
        return visit.page_since + seconds, f"page:{sid}", f"{_span(seconds)}{where}"
    start = visit.page_since if rule.pattern is not None else visit.on_site_since
    return (start + seconds, f"visit:{visit.on_site_since.isoformat()}",
            f"returning visitor (first seen {visit.first_seen_at:%Y-%m-%d}){where}")


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


def _remember(keys) -> None:
    if len(_decided) > _MAX_DECIDED:
        _decided.clear()
    _decided.update(keys)


def _on_site_candidates(rules: list[Rule], now: datetime) -> tuple[list[Candidate], datetime | None]:
    candidates, next_due = [], None
    seen: dict[tuple[int, str | None], bool] = {}

    def matches(rule: Rule, url: str | None) -> bool:
        key = (rule.id, url)
        if key not in seen:
            seen[key] = rule.page_matches(url)
        return seen[key]

    for visit, sid, cart_event, cart_at in _online_visits():
        for rule in rules:
            due = _due(rule, visit, sid, cart_event, cart_at, matches)
            if due is None or (rule.id, visit.customer_id, due[1]) in _decided:
                continue
            if due[0] <= now:
                candidates.append(Candidate(rule, visit, due[1], due[2]))
            elif next_due is None or due[0] < next_due:
                next_due = due[0]
    return candidates, next_due


def _first_order_candidates(rules: list[Rule], now: datetime) -> list[Candidate]:
    """Customers whose first order is N days old (or up to two days more, after downtime), without
    this rule's decision yet."""
    candidates = []
    for rule in rules:
        due = now - timedelta(days=rule.trigger["days"])
        decided = select(OutreachDecision.customer_id).where(OutreachDecision.rule_id == rule.id)
        customers = db.session.scalars(select(Customer).where(
            Customer.first_order_at <= due, Customer.first_order_at > due - FIRST_ORDER_LOOKBACK,
            Customer.erased_at.is_(None), Customer.id.not_in(decided)).limit(5000))
        for customer in customers:
            visit = visit_of(customer, db.session.get(Cart, customer.id))
            candidates.append(Candidate(rule, visit, "first-order",
                                        f"first order {rule.trigger['days']} days ago "
                                        f"({customer.first_order_at:%Y-%m-%d})"))
    return candidates


def scan(now: datetime | None = None, *, clock=time.monotonic) -> ScanResult:
    """One pass: decide every condition that is due, commit, deliver. Returns when to look again."""
    now = now or utcnow()
    rules = [r for r in current_rules() if r.live(now)]
    on_site = [r for r in rules if r.kind in ON_SITE_KINDS]
    candidates, next_due = _on_site_candidates(on_site, now) if on_site else ([], None)
    first_order = [r for r in rules if r.kind == "days_after_first_order"]
    if first_order and clock() - _first_order_pass["at"] >= FIRST_ORDER_EVERY:
        _first_order_pass["at"] = clock()
        candidates += _first_order_candidates(first_order, now)
    deliveries = decide(candidates, now) if candidates else []
    db.session.commit()
    # Settled for good, except where only the shop's hours stood in the way: those are tried again.
    _remember((c.rule.id, c.visit.customer_id, c.key) for c in candidates
              if c.rule.kind in ON_SITE_KINDS and not c.rule.business_hours_only)
    deliver(deliveries)
    return ScanResult(deliveries, next_due)


class OutreachTimer:
    """Runs scan() in a daemon thread, sleeping until the next condition comes due (≤ 1 s)."""

    def __init__(self, app, max_sleep: float = MAX_SLEEP):
        self.app = app
        self.max_sleep = max_sleep
        self._stop = threading.Event()

    def run_forever(self) -> None:
        while not self._stop.is_set():
            wait = self.max_sleep
            try:
                with self.app.app_context():
                    result = scan()
                if result.next_due is not None:
                    wait = (result.next_due - utcnow()).total_seconds()
            except Exception:  # the database may be away for a moment: the next pass tries again
                log.exception("outreach pass failed")
            self._stop.wait(min(self.max_sleep, max(MIN_SLEEP, wait)))

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="helpdesk-outreach", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
