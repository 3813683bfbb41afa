"""The outreach engine: given moments when a rule's trigger holds for a customer (an event from the
ingestion path, or a condition the timer found true), decide for each one: reach out, hold out or
cap, log the decision with its reason, and do what the rule says.

Decisions are written in the caller's transaction (flush only); what reaches sockets (the widget's
popup, the agents' alert) is returned as Deliveries, sent by `deliver` after the caller commits.
The rules are read once per rule change: each evaluation compares the rules' stamp (count and
latest change; on the event path, read with the context of the customers a rule may act on), so a
rule saved or deleted in any process applies from the next evaluation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import Boolean, Integer, String, bindparam, select, text

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import (
    Agent,
    AppSetting,
    Customer,
    Order,
    OutreachDecision,
    OutreachRule,
    Ticket,
)
from app.models.base import UTCDateTime
from app.services.customers import placeholders
from app.services.outreach import actions
from app.services.outreach.audience import Rule, Visit, ago, audience_checks, compile_rule, in_holdout, visit_of
from app.services.outreach.rules import DEFAULT_VISITOR_CAP_HOURS, SETTINGS_KEY
from app.services.platform import presence, realtime
from app.services.tickets import intake
from app.services.tickets.sla import targets
from app.services.tickets.sla.business_hours import is_open

FRESH_EVENT = timedelta(hours=1)  # an older event (imported history) triggers nothing


@dataclass(frozen=True)
class Candidate:
    """A rule's trigger holds for a visit: `key` names the occurrence, `why` says it in words."""

    rule: Rule
    visit: Visit
    key: str
    why: str


@dataclass(frozen=True)
class Delivery:
    """What goes to sockets after the commit."""

    kind: str  # widget_message, agent_alert or ticket
    decision_id: int
    customer_id: int
    body: str
    author: str
    rule_name: str
    customer_name: str = ""
    facts: dict = field(default_factory=dict)


# --- rules -------------------------------------------------------------------------------------

_cache: tuple[str | None, tuple[Rule, ...], dict] = (None, (), {})  # (stamp, rules, the outreach setting)
# The rules' stamp, one string: their count and latest change, and the outreach setting (the visitor
# cap, with a change counter, so a rule saved on a host whose clock is behind is still seen). Text
# casts, so that it reads the same alone (_STAMP_SQL) and inside the context query (_CONTEXT_SQL).
_STAMP_EXPR = ("CAST(count(id) AS TEXT) || '|' || COALESCE(CAST(max(updated_at) AS TEXT), '') || '|' || "
               f"COALESCE((SELECT CAST(value AS TEXT) FROM {AppSetting.__tablename__} WHERE key = '{SETTINGS_KEY}'),"
               f" '')")
# Run before every evaluation that reads no context, so as plain SQL: a fifth of the ORM's cost.
_STAMP_SQL = f"SELECT {_STAMP_EXPR} FROM {OutreachRule.__tablename__}"


def _settings() -> dict:
    """The outreach setting as read with the last stamp (the visitor cap)."""
    return _cache[2]


def _rules_for(stamp: str) -> tuple[Rule, ...]:
    """The active rules, highest priority first: those read before, or read again if the stamp
    says any rule or the setting changed since."""
    global _cache
    if _cache[0] != stamp:
        rows = db.session.scalars(select(OutreachRule).where(OutreachRule.active.is_(True),
                                                             OutreachRule.deleted_at.is_(None))
                                  .order_by(OutreachRule.priority.desc(), OutreachRule.id))
        setting = stamp.split("|", 2)[2]
        _cache = (stamp, tuple(compile_rule(row) for row in rows), json.loads(setting) if setting else {})
    return _cache[1]


def current_rules() -> tuple[Rule, ...]:
    """The active rules as they are now (one small query for the stamp, more only after a change)."""
    return _rules_for(db.session.connection().exec_driver_sql(_STAMP_SQL).scalar())


# --- deciding ----------------------------------------------------------------------------------


# Everything a decision needs to know about its customers, in one statement (as text: it runs for
# every event a rule may act on, and a text statement costs a third of the same query built with
# the ORM): their open widget sockets, the decisions that reached (or held out) them lately,
# whether they are in an open conversation, and the rules' stamp (so that the event path checks
# its rules in the same round trip).
_CONTEXT_SQL = text(
    "SELECT 'socket' AS tag, customer_id, id AS n, page_url AS page, connected_at AS at,"
    " CAST(NULL AS BOOLEAN) AS facing FROM realtime_connections"
    f" WHERE customer_id IN :ids AND namespace = '{presence.CHAT}' AND seen_at >= :live"
    " UNION ALL SELECT 'decision', customer_id, rule_id, NULL, created_at, visitor_facing FROM outreach_decisions"
    " WHERE customer_id IN :ids AND outcome IN ('shown', 'held_out') AND created_at >= :since"
    " UNION ALL SELECT 'chat', customer_id, NULL, NULL, NULL, NULL FROM conversations"
    " WHERE customer_id IN :ids AND status IN ('open', 'pending')"
    f" UNION ALL SELECT 'stamp', NULL, NULL, {_STAMP_EXPR}, NULL, NULL FROM {OutreachRule.__tablename__}"
).bindparams(bindparam("ids", expanding=True), bindparam("live", type_=UTCDateTime()),
             bindparam("since", type_=UTCDateTime())).columns(
    tag=String(), customer_id=Integer(), n=Integer(), page=String(), at=UTCDateTime(), facing=Boolean())


@dataclass
class Context:
    """What one query told about a set of customers (see _CONTEXT_SQL)."""

    ids: set[int]
    stamp: str | None = None  # the rules' stamp as the query read it
    online: dict[int, tuple] = field(default_factory=dict)  # id → (tabs, latest page, its start, on site since)
    recent: dict[int, list[tuple]] = field(default_factory=dict)  # id → [(rule_id, visitor_facing, at)]
    busy: set[int] = field(default_factory=set)  # in an open conversation


def _longest_cap(rules) -> int:
    return max([int(_settings().get("visitor_cap_hours", DEFAULT_VISITOR_CAP_HOURS))] + [r.cap_hours for r in rules])


def context_of(customer_ids: set[int], now: datetime, longest_hours: int) -> Context:
    """Read the customers' sockets, recent decisions and open conversations (one query)."""
    context, latest = Context(set(customer_ids)), {}
    rows = db.session.execute(_CONTEXT_SQL, {"ids": sorted(customer_ids), "live": presence.live_after(),
                                             "since": now - timedelta(hours=longest_hours)})
    for tag, customer_id, n, page, at, facing in rows:
        if tag == "chat":
            context.busy.add(customer_id)
        elif tag == "stamp":
            context.stamp = page
        elif tag == "decision":
            context.recent.setdefault(customer_id, []).append((n, bool(facing), at))
        else:  # a socket: the visit's tabs, its latest page and when the visit began
            tabs, url, page_since, since = context.online.get(customer_id, (0, None, None, at))
            if n > latest.get(customer_id, 0):
                latest[customer_id], url, page_since = n, page, at
            context.online[customer_id] = (tabs + 1, url, page_since, min(since, at))
    return context


def _cap_reason(rule: Rule, recent: list[tuple], now: datetime, cap_hours: int, names: dict[int, str]) -> str | None:
    for rule_id, _facing, at in recent:
        if rule_id == rule.id and at > now - timedelta(hours=rule.cap_hours):
            return f"capped: this rule reached them {ago(now - at)} ago (at most once every {rule.cap_hours} h)"
    if rule.visitor_facing:
        for rule_id, facing, at in recent:
            if facing and at > now - timedelta(hours=cap_hours):
                other = names.get(rule_id, f"rule {rule_id}")
                return (f"capped: “{other}” reached them {ago(now - at)} ago "
                        f"(at most one message per visitor every {cap_hours} h across rules)")
    return None


def _eligible(candidate: Candidate, now: datetime, calendar) -> tuple[bool, list[str]]:
    """Whether the rule may act now for this visit, and the audience checks in words."""
    rule, visit = candidate.rule, candidate.visit
    if not rule.live(now) or (rule.business_hours_only and not is_open(calendar, now)):
        return False, []
    if rule.action["kind"] == "widget_message" and visit.tabs == 0:
        return False, []  # a widget message needs the visitor on the site now
    if rule.action["kind"] == "email" and not visit.has_email:
        return False, []
    checks = audience_checks(rule.audience, visit)
    return all(ok for _label, ok in checks), [label for label, _ok in checks]


def _eligible_now(candidates: list[Candidate], now: datetime) -> list[tuple[Candidate, list[str]]]:
    """The candidates the rule may act on now, each with its audience checks in words."""
    hours_only = any(c.rule.business_hours_only for c in candidates)
    calendar = targets.to_calendar(targets.shop_calendar()) if hours_only else None
    eligible = []
    for candidate in candidates:
        ok, labels = _eligible(candidate, now, calendar)
        if ok:
            eligible.append((candidate, labels))
    return eligible


def decide(candidates: list[Candidate], now: datetime, context: Context | None = None) -> list[Delivery]:
    """Decide every candidate (highest priority first), log each decision, act on those shown.
    `context` may hold what was read already about these customers (else one query reads it).
    Flushes; the caller commits, then calls deliver() with the result."""
    eligible = _eligible_now(candidates, now)
    if not eligible:
        return []
    cap_hours = int(_settings().get("visitor_cap_hours", DEFAULT_VISITOR_CAP_HOURS))
    ids = {c.visit.customer_id for c, _ in eligible}
    if context is None or not ids <= context.ids:
        context = context_of(ids, now, _longest_cap(c.rule for c, _ in eligible))
    recent = context.recent
    # No popup for a visitor in a conversation already: an agent is talking to them.
    eligible = [(c, labels) for c, labels in eligible
                if not (c.rule.action["kind"] == "widget_message" and c.visit.customer_id in context.busy)]
    names = {r.id: r.name for r in _cache[1]} | {c.rule.id: c.rule.name for c, _ in eligible}
    deliveries = []
    for candidate, labels in sorted(eligible, key=lambda e: (-e[0].rule.priority, e[0].rule.id)):
        rule, visit = candidate.rule, candidate.visit
        mine = recent.setdefault(visit.customer_id, [])
        capped = _cap_reason(rule, mine, now, cap_hours, names)
        outcome = "capped" if capped else "held_out" if in_holdout(rule, visit.customer_id) else "shown"
        audience = f"audience: {', '.join(labels)}" if labels else "audience: everyone"
        verdict = capped or ("held out: in the rule's holdout group, so nothing was sent" if outcome == "held_out"
                             else "reached out")
        customer = db.session.get(Customer, visit.customer_id)
        body = _render(rule, customer, visit) if outcome != "capped" else None
        decision_id = _log(rule, visit.customer_id, candidate.key, outcome, f"{candidate.why}; {audience}; {verdict}",
                           body, now, visit.tabs if outcome == "shown" else 0)
        if decision_id is None:
            continue  # decided before (a retried event, another process's pass)
        if outcome != "capped":
            mine.append((rule.id, rule.visitor_facing, now))
        if outcome == "shown":
            delivery = _act(rule, customer, decision_id, body, visit)
            if delivery is not None:
                deliveries.append(delivery)
    return deliveries


_LOG_STATEMENTS: dict[str, object] = {}  # per dialect: built once, it runs for every decision


def _log(rule: Rule, customer_id: int, key: str, outcome: str, reason: str, body: str | None, now: datetime,
         delivered: int) -> int | None:
    stmt = _LOG_STATEMENTS.get(db.engine.dialect.name)
    if stmt is None:
        table = OutreachDecision.__table__
        stmt = insert_ignoring_conflicts(table, ["rule_id", "customer_id", "trigger_key"]).returning(table.c.id)
        _LOG_STATEMENTS[db.engine.dialect.name] = stmt
    return db.session.execute(stmt, {
        "rule_id": rule.id, "customer_id": customer_id, "trigger_key": key[:160], "outcome": outcome,
        "visitor_facing": rule.visitor_facing, "reason": reason[:500], "body": body and body[:2000],
        "created_at": now, "delivered_to": delivered}).scalar()


def _sender(rule: Rule) -> Agent | None:
    agent_id = rule.action.get("from_agent_id")
    agent = db.session.get(Agent, agent_id) if agent_id else None
    return agent if agent is not None and agent.active else None


def _render(rule: Rule, customer: Customer, visit: Visit) -> str:
    """The rule's text for this customer, the cart as the visit saw it (no query for it)."""
    cart = SimpleNamespace(items=visit.cart_items > 0, total=visit.cart_total, currency=visit.cart_currency,
                           item_count=visit.cart_items)
    body = rule.action["body"]
    last_order = db.session.scalar(select(Order).where(Order.customer_id == customer.id)
                                   .order_by(Order.placed_at.desc()).limit(1)) if "order." in body else None
    values = placeholders.values_for(customer=customer, cart=cart, last_order=last_order, agent=_sender(rule),
                                     shop_name=current_app.config["HELPDESK_SHOP_NAME"])
    return placeholders.render(body, values).text


def _act(rule: Rule, customer: Customer, decision_id: int, body: str, visit: Visit) -> Delivery | None:
    """Do what the rule says: in the transaction for tickets and email, as a Delivery for sockets."""
    kind = rule.action["kind"]
    if kind == "follow_up_ticket":
        ticket = actions.open_ticket(rule, customer, decision_id, body)
        return Delivery("ticket", decision_id, customer.id, body, "", rule.name, facts={"ticket_id": ticket.id})
    if kind == "email":
        actions.queue_email(rule, customer, decision_id, body)
        return None
    sender = _sender(rule)
    facts = {"stage": visit.stage, "cart": None if visit.cart_total is None
             else placeholders.money(visit.cart_total, visit.cart_currency), "page_url": visit.page_url}
    return Delivery(kind, decision_id, customer.id, body, sender.display_name if sender else
                    current_app.config["HELPDESK_SHOP_NAME"], rule.name, customer.display_name, facts)


def deliver(deliveries: list[Delivery]) -> None:
    """After the commit: the widget's popup to every tab of the visitor, the alert to consoles, a
    new ticket to the ticket lists."""
    for d in deliveries:
        if d.kind == "ticket":  # inbox lists show the new ticket
            ticket = db.session.get(Ticket, d.facts["ticket_id"])
            if ticket is not None:
                realtime.ticket_changed(intake.ticket_payload(ticket), created=True)
        elif d.kind == "widget_message":
            realtime.proactive_message(d.customer_id, {"decision_id": d.decision_id, "body": d.body,
                                                       "author": d.author})
        else:
            realtime.outreach_alert({"decision_id": d.decision_id, "customer_id": d.customer_id,
                                     "customer_name": d.customer_name, "body": d.body, "rule": d.rule_name,
                                     **d.facts})


# --- the event path ----------------------------------------------------------------------------


def _plausible(rule: Rule, visit: Visit) -> bool:
    """Whether the audience can hold, judged from the profile and cart in memory: every condition
    but new-or-returning, which needs the visit's start."""
    return all(ok for _label, ok in audience_checks(rule.profile_audience, visit))


def _needs_visit(rule: Rule, event: dict) -> bool:
    """Whether deciding needs the visitor's sockets: a widget message, a page pattern on an event
    that carries no page, or a new-or-returning audience."""
    return (rule.action["kind"] == "widget_message" or "visitor" in rule.audience
            or (rule.pattern is not None and event["type"] != "page_viewed"))


def _event_page(event: dict, customer: Customer, online: tuple | None) -> str | None:
    if event["type"] == "page_viewed":
        return event["properties"].get("url")
    if online is not None:
        return online[1]
    return (customer.current_page or {}).get("url")


def _matching(events: list[dict], rules: tuple[Rule, ...], customer_of, cart_of, now: datetime) -> list[tuple]:
    """(event, customer, the rules that may act on it), judged from what is in memory."""
    rules = [r for r in rules if r.kind == "event" and r.live(now)]
    wanted = {r.trigger["event"] for r in rules}
    matched = []
    for event in events:
        if event["type"] not in wanted or event["timestamp"] < now - FRESH_EVENT:
            continue
        customer = customer_of(event)
        rough = visit_of(customer, cart_of(customer.id), page_url=_event_page(event, customer, None))
        standing = [r for r in rules if r.trigger["event"] == event["type"] and _plausible(r, rough)
                    and (r.pattern is None or _needs_visit(r, event) or r.page_matches(rough.page_url))]
        if standing:
            matched.append((event, customer, standing))
    return matched


def on_events(events: list[dict], customer_of, cart_of, now: datetime) -> list[Delivery]:
    """Called by ingestion inside its transaction with the new events, once they are applied
    (customer_of(event) gives the profile it ended on, cart_of(id) its cart): the event-triggered
    rules. The audience is first judged from what is in memory, with the rules as last read; only
    the customers a rule may still act on cost a query (context_of), which also reads the rules'
    stamp. With no such customer, the stamp alone is read. Either way, if the rules changed since,
    the events are matched again against the new ones: one round trip per event, two when a rule
    acts (and the decision's insert)."""
    known = _cache[0]
    matched = _matching(events, _cache[1], customer_of, cart_of, now)
    context = context_of({c.id for _e, c, _s in matched}, now, _longest_cap(_cache[1])) if matched else None
    stamp = context.stamp if context is not None else db.session.connection().exec_driver_sql(_STAMP_SQL).scalar()
    if stamp != known:  # a rule or the cap changed (or another database): match with the rules as they are
        rules = _rules_for(stamp)
        matched = _matching(events, rules, customer_of, cart_of, now)
        context = context_of({c.id for _e, c, _s in matched}, now, _longest_cap(rules)) if matched else None
    if not matched:
        return []
    candidates = []
    for event, customer, standing in matched:
        visit_row = context.online.get(customer.id)
        tabs, _url, page_since, since = visit_row or (0, None, None, None)
        page = _event_page(event, customer, visit_row)
        visit = visit_of(customer, cart_of(customer.id), tabs=tabs, page_url=page, page_since=page_since,
                         on_site_since=since)
        for rule in standing:
            if rule.page_matches(page):
                where = f" on {page}" if page else ""
                candidates.append(Candidate(rule, visit, f"event:{event['id']}", f"{event['type']}{where}"))
    return decide(candidates, now, context)
