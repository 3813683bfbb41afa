"""Outreach rules as admins write them: checked (a bad pattern, an audience nobody can be in, a
rule without limits are refused with the reason), stored, audited. The engine
(outreach/engine.py) reads them; this module never sends anything."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import re2
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, OutreachRule
from app.models.base import utcnow
from app.models.customer import FLAGS, SEGMENTS, STAGES
from app.models.outreach import ACTION_KINDS, TRIGGER_KINDS
from app.services.customers import placeholders
from app.services.errors import DomainError, NotFoundError
from app.services.platform import audit
from app.services.platform.audit import Actor
from app.services.platform.settings_store import get_setting, put_setting
from app.services.tickets.routing import _amount, _subset

MAX_PATTERN_CHARS = 300
MAX_MESSAGE_CHARS = 500
MAX_SUBJECT_CHARS = 200
MAX_TICKET_BODY_CHARS = 5000
EVENT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
LANGUAGE = re.compile(r"[a-z]{2}")
VISITOR_KINDS = ("any", "new", "returning")
# Seconds a time-based trigger may wait: (least, most).
WAIT_LIMITS = {"cart_idle": (10, 86_400), "page_dwell": (1, 3_600), "returning_visitor": (0, 3_600)}
SETTINGS_KEY = "outreach"
DEFAULT_VISITOR_CAP_HOURS = 4
# RE2 logs every pattern it cannot parse to stderr unless told not to; the admin gets the reason instead.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the settings form (or a test, or the demo) gives it."""

    name: str
    trigger: dict
    action: dict
    audience: dict = field(default_factory=dict)
    active: bool = True
    priority: int = 50
    holdout_percent: int = 0
    cap_hours: int = 24
    business_hours_only: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    conversion_hours: int = 24


def compile_pattern(pattern: str):
    """The page pattern as RE2 (linear time whatever the admin typed); DomainError when invalid."""
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise DomainError(f"The page pattern is not valid: {reason}.", field="url_pattern") from None


def _whole(value, name: str, least: int, most: int, *, default: int | None = None) -> int:
    if value in (None, "") and default is not None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"Enter a whole number from {least:,} to {most:,}.", field=name) from None
    if not least <= number <= most:
        raise DomainError(f"Enter a whole number from {least:,} to {most:,}.", field=name)
    return number


def clean_trigger(raw: dict) -> dict:
    """{"kind", ...}: an event by name, or a condition that becomes true with time."""
    kind = raw.get("kind")
    if kind not in TRIGGER_KINDS:
        raise DomainError(f"The trigger must be one of {', '.join(TRIGGER_KINDS)}.", field="trigger")
    trigger: dict = {"kind": kind}
    if kind == "event":
        name = str(raw.get("event") or "").strip()
        if not EVENT_NAME.fullmatch(name):
            raise DomainError("Name the event, such as checkout_started (lowercase letters, digits and _).",
                              field="event")
        trigger["event"] = name
    elif kind == "days_after_first_order":
        trigger["days"] = _whole(raw.get("days"), "days", 1, 365)
    else:
        least, most = WAIT_LIMITS[kind]
        trigger["seconds"] = _whole(raw.get("seconds"), "seconds", least, most, default=least if kind != "cart_idle"
                                    else None)
    pattern = str(raw.get("url_pattern") or "").strip()
    if len(pattern) > MAX_PATTERN_CHARS:
        raise DomainError(f"The page pattern holds at most {MAX_PATTERN_CHARS} characters.", field="url_pattern")
    if kind == "page_dwell" and not pattern:
        raise DomainError("Say which pages: a pattern such as /checkout or /help/.*/returns.", field="url_pattern")
    if pattern and kind == "days_after_first_order":
        raise DomainError("Days after the first order do not depend on a page: leave the pattern empty.",
                          field="url_pattern")
    if pattern:
        compile_pattern(pattern)
        trigger["url_pattern"] = pattern
    return trigger


def _count_range(raw: dict, low: str, high: str) -> dict:
    out = {}
    for name in (low, high):
        if raw.get(name) not in (None, ""):
            out[name] = _whole(raw[name], name, 0, 100_000)
    if low in out and high in out and out[low] > out[high]:
        raise DomainError("Nobody can be in this audience: the fewest orders is above the most.", field=high)
    return out


def clean_audience(raw: dict, trigger: dict) -> dict:
    """Who may be reached; every condition given must hold. Refused when nobody could ever match."""
    audience = {"stages": _subset(raw.get("stages"), STAGES, "stages"),
                "flags": _subset(raw.get("flags"), FLAGS, "flags"),
                "segments": _subset(raw.get("segments"), SEGMENTS, "segments"),
                "cart_min": _amount(raw.get("cart_min"), "cart_min"),
                "cart_max": _amount(raw.get("cart_max"), "cart_max"),
                **_count_range(raw, "orders_min", "orders_max")}
    languages = [str(v).strip().lower() for v in raw.get("languages") or () if str(v).strip()]
    if any(not LANGUAGE.fullmatch(v) for v in languages):
        raise DomainError("Languages are two-letter codes such as en, pt or nl.", field="languages")
    audience["languages"] = sorted(set(languages))
    visitor = raw.get("visitor") or "any"
    if visitor not in VISITOR_KINDS:
        raise DomainError(f"Visitor must be one of {', '.join(VISITOR_KINDS)}.", field="visitor")
    if visitor != "any":
        audience["visitor"] = visitor
    low, high = audience["cart_min"], audience["cart_max"]
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        raise DomainError("Nobody can be in this audience: the lowest cart value is above the highest.",
                          field="cart_max")
    if trigger["kind"] == "cart_idle" and high is not None and Decimal(high) <= 0:
        raise DomainError("Nobody can be in this audience: an idle cart has items, so its value is above 0.",
                          field="cart_max")
    if trigger["kind"] == "returning_visitor" and visitor == "new":
        raise DomainError("Nobody can be in this audience: a returning visitor is never new.", field="visitor")
    if trigger["kind"] == "days_after_first_order" and audience.get("orders_max") == 0:
        raise DomainError("Nobody can be in this audience: days after the first order need an order.",
                          field="orders_max")
    return {key: value for key, value in audience.items() if value not in (None, [])}


def _text(raw: dict, name: str, limit: int, what: str) -> str:
    value = str(raw.get(name) or "").strip()
    if not value:
        raise DomainError(f"Write the {what}.", field=name)
    if len(value) > limit:
        raise DomainError(f"The {what} holds at most {limit:,} characters.", field=name)
    try:
        placeholders.check(value)
    except DomainError as exc:
        raise DomainError(exc.message, field=name) from None
    return value


def clean_action(raw: dict, trigger: dict) -> dict:
    """{"kind", ...}: a widget message (from a named agent or the shop), an alert to online agents,
    a follow-up ticket or an email; texts may hold placeholders ({{customer.first_name|there}})."""
    kind = raw.get("kind")
    if kind not in ACTION_KINDS:
        raise DomainError(f"The action must be one of {', '.join(ACTION_KINDS)}.", field="action")
    action: dict = {"kind": kind}
    if kind == "widget_message":
        if trigger["kind"] == "days_after_first_order":
            raise DomainError("A widget message needs the visitor on the site: for days after the first order, "
                              "send an email or open a follow-up ticket.", field="action")
        action["body"] = _text(raw, "body", MAX_MESSAGE_CHARS, "message")
        agent_id = raw.get("from_agent_id")
        if agent_id not in (None, ""):
            agent = db.session.get(Agent, _whole(agent_id, "from_agent_id", 1, 2**31 - 1))
            if agent is None or not agent.active:
                raise DomainError("Choose an active agent, or send it from the shop.", field="from_agent_id")
            action["from_agent_id"] = agent.id
    elif kind == "agent_alert":
        action["body"] = _text(raw, "body", MAX_MESSAGE_CHARS, "alert")
    else:
        action["subject"] = _text(raw, "subject", MAX_SUBJECT_CHARS, "subject")
        action["body"] = _text(raw, "body", MAX_TICKET_BODY_CHARS, "message")
    return action


def clean_rule(spec: RuleSpec) -> RuleSpec:
    """The spec checked and normalised; DomainError naming the field that is wrong."""
    name = " ".join((spec.name or "").split())
    if not name:
        raise DomainError("Give the rule a name.", field="name")
    if len(name) > 80:
        raise DomainError("The name holds at most 80 characters.", field="name")
    trigger = clean_trigger(spec.trigger or {})
    audience = clean_audience(spec.audience or {}, trigger)
    action = clean_action(spec.action or {}, trigger)
    if spec.starts_at and spec.ends_at and spec.ends_at <= spec.starts_at:
        raise DomainError("The end date must be after the start date.", field="ends_at")
    return RuleSpec(
        name=name, trigger=trigger, audience=audience, action=action, active=bool(spec.active),
        priority=_whole(spec.priority, "priority", 1, 100, default=50),
        holdout_percent=_whole(spec.holdout_percent, "holdout_percent", 0, 50, default=0),
        # At least an hour: a rule can never message a visitor every minute.
        cap_hours=_whole(spec.cap_hours, "cap_hours", 1, 720, default=24),
        business_hours_only=bool(spec.business_hours_only), starts_at=spec.starts_at, ends_at=spec.ends_at,
        conversion_hours=_whole(spec.conversion_hours, "conversion_hours", 1, 720, default=24))


# --- storage -----------------------------------------------------------------------------------


def all_rules() -> list[OutreachRule]:
    """Every rule not deleted, in the order the engine tries them (highest priority first)."""
    return list(db.session.scalars(select(OutreachRule).where(OutreachRule.deleted_at.is_(None))
                                   .order_by(OutreachRule.priority.desc(), OutreachRule.id)))


def get_rule(rule_id: int, *, include_deleted: bool = False) -> OutreachRule:
    rule = db.session.get(OutreachRule, rule_id)
    if rule is None or (rule.deleted_at is not None and not include_deleted):
        raise NotFoundError("No such outreach rule.")
    return rule


def save_rule(spec: RuleSpec, *, rule_id: int | None = None, by: Actor) -> OutreachRule:
    """Create or change a rule. One commit, audited; every process's engine sees it on its next
    evaluation (the engine compares the rules' last change before each one)."""
    spec = clean_rule(spec)
    now = utcnow()
    if rule_id is None:
        rule = OutreachRule(created_at=now, holdout_seed=secrets.token_hex(16))
        db.session.add(rule)
    else:
        rule = get_rule(rule_id)
    for name in ("name", "trigger", "audience", "action", "active", "priority", "holdout_percent", "cap_hours",
                 "business_hours_only", "starts_at", "ends_at", "conversion_hours"):
        setattr(rule, name, getattr(spec, name))
    rule.updated_at = now
    db.session.flush()
    _bump()
    audit.record("outreach.rule_saved", actor=by, target=rule, details={"name": rule.name})
    db.session.commit()
    return rule


def delete_rule(rule_id: int, *, by: Actor) -> None:
    """Stop a rule at once, in every process; its decisions and report stay. One commit, audited."""
    rule = get_rule(rule_id)
    rule.deleted_at = rule.updated_at = utcnow()
    rule.active = False
    _bump()
    audit.record("outreach.rule_deleted", actor=by, target=rule, details={"name": rule.name})
    db.session.commit()


def _bump() -> None:
    """Count a change of the rules: each process's engine compares this number (with the rules'
    count and latest change) before every evaluation, so a change made on a host whose clock is
    behind is not missed."""
    stored = get_setting(SETTINGS_KEY) or {}
    put_setting(SETTINGS_KEY, {**stored, "version": int(stored.get("version", 0)) + 1})


def visitor_cap_hours() -> int:
    """At most one visitor-facing outreach (widget message or email) per visitor per this many
    hours, across every rule."""
    return int((get_setting(SETTINGS_KEY) or {}).get("visitor_cap_hours", DEFAULT_VISITOR_CAP_HOURS))


def save_visitor_cap(hours, *, by: Actor) -> int:
    """Set the cap across rules (1 to 168 hours). One commit, audited."""
    hours = _whole(hours, "visitor_cap_hours", 1, 168)
    put_setting(SETTINGS_KEY, {**(get_setting(SETTINGS_KEY) or {}), "visitor_cap_hours": hours})
    audit.record("outreach.cap_saved", actor=by, details={"visitor_cap_hours": hours})
    db.session.commit()
    return hours
