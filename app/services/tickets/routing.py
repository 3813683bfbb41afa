"""Routing rules: evaluated when a ticket arrives (every entry point, through tickets.build_ticket),
they set the group, priority, tags and assignee from the ticket and the customer's lifecycle.

A rule matches when every condition it has holds (a rule without conditions matches every
ticket). Matching rules apply in position order, later ones changing what earlier ones set, until
a matching rule with `stop`. What the creator chose (an agent's group or priority, a chat's
assignee) is never overridden. Cart values are compared in the shop's currency as sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app.extensions import db
from app.models import Agent, Cart, Customer, RoutingRule, Ticket, TicketGroup, TicketGroupMember, TicketTag
from app.models.base import utcnow
from app.models.customer import FLAGS, SEGMENTS, STAGES
from app.models.ticket import TICKET_CHANNELS, TICKET_PRIORITIES
from app.services.customers import emails
from app.services.errors import DomainError, NotFoundError
from app.services.platform import audit, presence
from app.services.platform.audit import Actor
from app.services.platform.locked_rows import get_locked
from app.services.tickets.history import record
from app.services.tickets.tagging import normalise_tags

MAX_WORDS = 30
ROUND_ROBIN = "round_robin"
CONDITION_KEYS = ("channels", "words", "tags", "stages", "flags", "segments", "cart_min", "cart_max")


@dataclass(frozen=True)
class Facts:
    """What rules look at: the ticket as it arrives and its requester now."""

    channel: str
    text: str  # subject and first message, lowercased
    tags: frozenset[str]
    stage: str | None = None
    flags: frozenset[str] = frozenset()
    segment: str | None = None
    cart_value: Decimal | None = None  # None: no cart with items


@dataclass
class Outcome:
    """What the matching rules set, and which rules matched."""

    group_id: int | None = None
    priority: str | None = None
    add_tags: list[str] = field(default_factory=list)
    assignee: int | str | None = None
    matched: list[str] = field(default_factory=list)
    set_by: dict[str, object] = field(default_factory=dict)  # field → the rule that set it last


# --- validation ------------------------------------------------------------------------------


def _subset(values, allowed: tuple[str, ...], name: str) -> list[str]:
    values = [str(v) for v in values or ()]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise DomainError(f"Unknown {name}: {', '.join(wrong[:5])}.", field=name)
    return sorted(set(values), key=allowed.index)


def _amount(value, name: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DomainError("Enter an amount such as 100 or 49.90.", field=name) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e9"):
        raise DomainError("Enter an amount from 0 to 1,000,000,000.", field=name)
    return str(amount)


def clean_conditions(raw: dict) -> dict:
    """Checked, normalised conditions; DomainError naming the field that is wrong."""
    words = []
    for word in raw.get("words") or ():
        word = " ".join(str(word).lower().split())
        if len(word) > 60:
            raise DomainError("Each word or phrase holds at most 60 characters.", field="words")
        if word and word not in words:
            words.append(word)
    if len(words) > MAX_WORDS:
        raise DomainError(f"A rule looks for at most {MAX_WORDS} words or phrases.", field="words")
    cleaned = {"channels": _subset(raw.get("channels"), TICKET_CHANNELS, "channels"), "words": words,
               "tags": list(normalise_tags(raw.get("tags"))), "stages": _subset(raw.get("stages"), STAGES, "stages"),
               "flags": _subset(raw.get("flags"), FLAGS, "flags"),
               "segments": _subset(raw.get("segments"), SEGMENTS, "segments"),
               "cart_min": _amount(raw.get("cart_min"), "cart_min"),
               "cart_max": _amount(raw.get("cart_max"), "cart_max")}
    if cleaned["cart_min"] and cleaned["cart_max"] and Decimal(cleaned["cart_min"]) > Decimal(cleaned["cart_max"]):
        raise DomainError("The lowest cart value is above the highest.", field="cart_max")
    return {key: value for key, value in cleaned.items() if value not in (None, [])}


def clean_actions(raw: dict) -> dict:
    actions: dict = {}
    group_id = raw.get("group_id")
    if group_id not in (None, ""):
        if db.session.get(TicketGroup, int(group_id)) is None:
            raise DomainError("Choose an existing group.", field="group_id")
        actions["group_id"] = int(group_id)
    if raw.get("priority"):
        if raw["priority"] not in TICKET_PRIORITIES:
            raise DomainError(f"Priority must be one of {', '.join(TICKET_PRIORITIES)}.", field="priority")
        actions["priority"] = raw["priority"]
    tags = list(normalise_tags(raw.get("add_tags")))
    if tags:
        actions["add_tags"] = tags
    actions.update(_assignee(raw.get("assignee"), "group_id" in actions))
    if not actions:
        raise DomainError("A rule must do something: set a group, a priority, tags or an assignee.", field="actions")
    return actions


def _assignee(assignee, has_group: bool) -> dict:
    actions = {}
    if assignee == ROUND_ROBIN:
        if not has_group:
            raise DomainError("Round-robin picks within a group: choose the group too.", field="assignee")
        actions["assignee"] = ROUND_ROBIN
    elif assignee not in (None, ""):
        agent = db.session.get(Agent, int(assignee))
        if agent is None or not agent.active:
            raise DomainError("Choose an active agent.", field="assignee")
        actions["assignee"] = agent.id
    return actions


# --- evaluation ------------------------------------------------------------------------------


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def checks(conditions: dict, facts: Facts) -> list[tuple[str, bool]]:
    """Each condition of a rule with whether it holds for these facts (the test-a-rule panel)."""
    results = []
    if "channels" in conditions:
        results.append(("channels", facts.channel in conditions["channels"]))
    if "words" in conditions:
        results.append(("words", any(_has_word(facts.text, w) for w in conditions["words"])))
    if "tags" in conditions:
        results.append(("tags", bool(facts.tags & set(conditions["tags"]))))
    if "stages" in conditions:
        results.append(("stages", facts.stage in conditions["stages"]))
    if "flags" in conditions:
        results.append(("flags", bool(facts.flags & set(conditions["flags"]))))
    if "segments" in conditions:
        results.append(("segments", facts.segment in conditions["segments"]))
    cart = facts.cart_value
    if "cart_min" in conditions:
        results.append(("cart_min", cart is not None and cart >= Decimal(conditions["cart_min"])))
    if "cart_max" in conditions:
        results.append(("cart_max", cart is not None and cart <= Decimal(conditions["cart_max"])))
    return results


def matches(conditions: dict, facts: Facts) -> bool:
    return all(ok for _name, ok in checks(conditions, facts))


def facts_for(channel: str, subject: str, body: str, tags, customer: Customer | None) -> Facts:
    if customer is None:
        return Facts(channel, f"{subject}\n{body}".lower(), frozenset(tags))
    cart = db.session.get(Cart, customer.id)
    flags = frozenset(flag for flag in FLAGS if getattr(customer, f"is_{flag}"))
    return Facts(channel, f"{subject}\n{body}".lower(), frozenset(tags), customer.stage, flags, customer.segment,
                 cart.total if cart is not None and cart.item_count > 0 else None)


def active_rules() -> list[RoutingRule]:
    return list(db.session.scalars(select(RoutingRule).where(RoutingRule.active.is_(True))
                                   .order_by(RoutingRule.position, RoutingRule.id)))


def evaluate(rules, facts: Facts) -> Outcome:
    """What the rules (RoutingRule rows or (name, conditions, actions, stop) specs) would set."""
    outcome = Outcome()
    for rule in rules:
        if not matches(rule.conditions, facts):
            continue
        outcome.matched.append(rule.name)
        actions = rule.actions
        for name in ("group_id", "priority", "assignee"):
            if name in actions:
                setattr(outcome, name, actions[name])
                outcome.set_by[name] = rule
        for tag in actions.get("add_tags", ()):
            if tag not in outcome.add_tags:
                outcome.add_tags.append(tag)
                outcome.set_by[f"tag:{tag}"] = rule
        if rule.stop:
            break
    return outcome


# --- applying --------------------------------------------------------------------------------


def next_in_group(group_id: int) -> int | None:
    """Round-robin inside a group: the next online member after the last one given a ticket
    (the group's row is locked, so two arrivals never pick the same turn). None when nobody is."""
    group = get_locked(TicketGroup, group_id, "No such group.")
    online = set(presence.online_agent_ids())
    members = sorted(m for m in db.session.scalars(select(TicketGroupMember.agent_id)
                                                   .where(TicketGroupMember.group_id == group_id)) if m in online)
    if not members:
        return None
    after = [m for m in members if m > (group.last_assignee_id or 0)]
    group.last_assignee_id = after[0] if after else members[0]
    return group.last_assignee_id


def route_ticket(ticket: Ticket, body: str, customer: Customer, tags, *, keep: frozenset[str] = frozenset()) -> None:
    """Called by tickets.build_ticket (after the first flush): apply the active rules to the new
    ticket, each change in its audit trail as the rule's. Fields in `keep` were chosen by whoever
    created the ticket and stay as they are."""
    rules = active_rules()
    if not rules:
        return
    facts = facts_for(ticket.channel, ticket.subject, body, tags, customer)
    outcome = evaluate(rules, facts)
    if not outcome.matched:
        return

    def who(name: str) -> Actor:
        rule = outcome.set_by[name]
        return Actor("rule", rule.id, f"Rule “{rule.name}”"[:254])

    if outcome.group_id is not None and "group_id" not in keep and outcome.group_id != ticket.group_id:
        group = db.session.get(TicketGroup, outcome.group_id)
        if group is not None:
            record(ticket, who("group_id"), "group", None, group.name)
            ticket.group_id = group.id
    if outcome.priority and "priority" not in keep and outcome.priority != ticket.priority:
        record(ticket, who("priority"), "priority", ticket.priority, outcome.priority)
        ticket.priority = outcome.priority
    new_tags = [t for t in outcome.add_tags if t not in tags]
    db.session.add_all(TicketTag(ticket_id=ticket.id, tag=t) for t in new_tags)
    for tag in new_tags:
        record(ticket, who(f"tag:{tag}"), "tag", None, tag)
    if outcome.assignee is not None and "assignee_id" not in keep and ticket.assignee_id is None:
        agent_id = next_in_group(ticket.group_id) if outcome.assignee == ROUND_ROBIN and ticket.group_id else (
            outcome.assignee if isinstance(outcome.assignee, int) else None)
        agent = db.session.get(Agent, agent_id) if agent_id else None
        if agent is not None and agent.active:
            ticket.assignee_id = agent.id
            ticket.status = "open"
            record(ticket, who("assignee"), "assignee", None, agent.display_name)


# --- the rules themselves (Settings › Routing) ---------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the settings form gives it (also what test-a-rule evaluates, unsaved)."""

    name: str
    conditions: dict
    actions: dict
    stop: bool = False
    active: bool = True


def clean_spec(spec: RuleSpec) -> RuleSpec:
    name = " ".join((spec.name or "").split())
    if not name:
        raise DomainError("Give the rule a name.", field="name")
    if len(name) > 80:
        raise DomainError("A rule's name holds at most 80 characters.", field="name")
    return RuleSpec(name, clean_conditions(spec.conditions), clean_actions(spec.actions), spec.stop, spec.active)


def save_rule(spec: RuleSpec, *, rule_id: int | None = None, by: Actor) -> RoutingRule:
    """Create or change a rule (new rules go last). One commit, audited."""
    spec = clean_spec(spec)
    if rule_id is None:
        last = db.session.scalar(select(db.func.max(RoutingRule.position))) or 0
        rule = RoutingRule(position=last + 1, created_at=utcnow())
        db.session.add(rule)
    else:
        rule = get_rule(rule_id)
    rule.name, rule.conditions, rule.actions = spec.name, spec.conditions, spec.actions
    rule.stop, rule.active, rule.updated_at = spec.stop, spec.active, utcnow()
    db.session.flush()
    audit.record("routing.rule_saved", actor=by, target=rule, details={"name": rule.name})
    db.session.commit()
    return rule


def get_rule(rule_id: int) -> RoutingRule:
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFoundError("No such rule.")
    return rule


def all_rules() -> list[RoutingRule]:
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


def move_rule(rule_id: int, direction: int, *, by: Actor) -> None:
    """Swap a rule with its neighbour above (-1) or below (+1)."""
    rules = all_rules()
    index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        raise NotFoundError("No such rule.")
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
        for position, rule in enumerate(rules, start=1):
            rule.position = position
        audit.record("routing.rule_moved", actor=by, target=rules[other], details={"direction": direction})
    db.session.commit()


def delete_rule(rule_id: int, *, by: Actor) -> None:
    rule = get_rule(rule_id)
    audit.record("routing.rule_deleted", actor=by, target=rule, details={"name": rule.name})
    db.session.delete(rule)
    db.session.commit()


@dataclass(frozen=True)
class Sample:
    subject: str
    body: str
    channel: str = "help_center"
    email: str | None = None


@dataclass(frozen=True)
class TryResult:
    customer: Customer | None
    checks: list[tuple[str, bool]]
    matched: bool
    outcome: Outcome


def try_rule(spec: RuleSpec, sample: Sample) -> TryResult:
    """Would this (unsaved) rule match the sample ticket, and what would it set? Saves nothing."""
    spec = clean_spec(spec)
    customer = None
    if sample.email:  # the profile a request from that address would go to
        customer = emails.find_by_address(sample.email)
    facts = facts_for(sample.channel if sample.channel in TICKET_CHANNELS else "help_center", sample.subject or "",
                      sample.body or "", (), customer)
    results = checks(spec.conditions, facts)
    outcome = evaluate([spec], facts)
    db.session.rollback()
    return TryResult(customer, results, all(ok for _n, ok in results), outcome)
