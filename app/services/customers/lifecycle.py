"""Applies the lifecycle rules to stored customers: after each event, periodically as time passes,
and as a preview when an admin edits the rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue
from app.models import FLAGS, Customer, StageTransition
from app.models.base import utcnow
from app.services.customers.lifecycle_rules import Assessment, Facts, LifecycleRules, assess
from app.services.platform import audit, settings_store
from app.services.platform.audit import Actor

RULES_KEY = "lifecycle_rules"
BATCH = 500
PREVIEW_PAGE = 5000


def current_rules() -> LifecycleRules:
    """The rules in force (stored by an admin, or the defaults)."""
    return LifecycleRules.from_dict(settings_store.get_setting(RULES_KEY))


def facts_of(customer: Customer) -> Facts:
    """The facts the rules read, taken from the customer row."""
    return Facts(
        identified=customer.external_id is not None or customer.email is not None,
        signed_up=customer.signed_up_at is not None,
        engaged=customer.engaged_at is not None,
        order_count=customer.order_count,
        lifetime_value=customer.lifetime_value or 0,
        first_order_at=customer.first_order_at,
        last_order_at=customer.last_order_at,
        max_order_gap_days=customer.max_order_gap_days,
        referral_count=customer.referral_count,
        nps_score=customer.nps_score,
    )


def apply_assessment(
    customer: Customer, result: Assessment, *, now: datetime, event_id: str | None, at: datetime | None = None
) -> StageTransition | None:
    """Write an assessment onto the customer; a change of stage is recorded as a transition,
    dated `at` (the causing event's time) or `now` (time passed). Flushes nothing: the caller commits."""
    transition = None
    first = not customer.stage_reason  # never assessed: its first stage is a transition too
    if first or result.stage != customer.stage:
        transition = StageTransition(
            customer_id=customer.id,
            from_stage=None if first else customer.stage,
            to_stage=result.stage,
            occurred_at=at or now,
            reason=result.reason,
            event_id=event_id,
        )
        db.session.add(transition)
        customer.stage_changed_at = at or now
    customer.stage = result.stage
    customer.stage_reason = result.reason
    customer.segment = result.segment
    for flag in FLAGS:  # the NPS groups too (promoter, passive, detractor)
        setattr(customer, f"is_{flag}", flag in result.flags)
    customer.rfm_recency, customer.rfm_frequency, customer.rfm_monetary = result.rfm
    return transition


def reassess(
    customer: Customer, rules: LifecycleRules, *, now: datetime, event_id: str | None = None,
    at: datetime | None = None,
) -> bool:
    """Recompute one customer; True when its stage, segment or flags changed (the reason's wording
    and the RFM scores are refreshed too, but "12 days ago" becoming "13 days ago" is no move)."""
    before = (customer.stage, customer.segment, tuple(customer.flags))
    apply_assessment(customer, assess(facts_of(customer), rules, now), now=now, event_id=event_id, at=at)
    return before != (customer.stage, customer.segment, tuple(customer.flags))


def recompute_lifecycle(now: datetime | None = None) -> dict:
    """Periodic job (hourly, called with no arguments) and `flask helpdesk recompute-lifecycle`:
    move customers whose stage or flags depend on time (post-purchase window, at risk, churn).
    Only buyers can move with time. Transitions made here have no event_id: time caused them.

    Customers locked by an ingestion batch at that moment are skipped: the batch reassesses them.
    Returns {"changed": n}, the customers whose stage, segment or flags changed.
    """
    return {"changed": _reassess_all(current_rules(), now or utcnow(), Customer.order_count > 0, skip_locked=True)}


def _reassess_all(rules: LifecycleRules, now: datetime, *criteria, skip_locked: bool = False) -> int:
    """Reassess matching customers in id order, committing every BATCH rows (keeps locks short).

    The rows are locked while reassessed (PostgreSQL), so that a concurrent ingestion cannot
    have its newer stage overwritten by this older reading; SQLite serialises writers anyway.
    """
    changed, last_id = 0, 0
    while True:
        batch = db.session.scalars(
            db.select(Customer).where(Customer.id > last_id, *criteria).order_by(Customer.id).limit(BATCH)
            .with_for_update(skip_locked=skip_locked)
        ).all()
        if not batch:
            return changed
        changed += sum(reassess(c, rules, now=now) for c in batch)
        last_id = batch[-1].id
        db.session.commit()


@dataclass(frozen=True)
class RulesPreview:
    """How many customers a rules change would move, by stage."""

    moved: int
    before: dict[str, int]
    after: dict[str, int]


_FACT_COLUMNS = (
    Customer.id, Customer.stage, Customer.external_id, Customer.email, Customer.signed_up_at, Customer.engaged_at,
    Customer.order_count, Customer.lifetime_value, Customer.first_order_at, Customer.last_order_at,
    Customer.max_order_gap_days, Customer.referral_count, Customer.nps_score,
)


def preview_rules(rules: LifecycleRules, now: datetime | None = None) -> RulesPreview:
    """Evaluate every customer under proposed rules without writing anything (Settings › Lifecycle,
    before saving). Reads only the fact columns, in keyset pages: no ORM objects, no locks."""
    now = now or utcnow()
    before, after, moved = Counter(), Counter(), 0
    last_id = 0
    while True:
        rows = db.session.execute(
            db.select(*_FACT_COLUMNS).where(Customer.id > last_id).order_by(Customer.id).limit(PREVIEW_PAGE)
        ).all()
        if not rows:
            break
        for row in rows:
            stage = assess(facts_of(row), rules, now).stage
            before[row.stage] += 1
            after[stage] += 1
            moved += stage != row.stage
        last_id = rows[-1].id
    return RulesPreview(moved=moved, before=dict(before), after=dict(after))


def save_rules(rules: LifecycleRules, *, by: Actor) -> None:
    """Store new rules (audit-logged), then reassess every customer under them in the background:
    with many customers that takes longer than a request should (the job backend runs it in a
    thread, on a worker, or at once in tests)."""
    settings_store.put_setting(RULES_KEY, rules.to_dict())
    audit.record("lifecycle.rules_changed", actor=by, details=rules.to_dict())
    db.session.commit()
    enqueue("app.services.customers.lifecycle:reassess_everyone")


def reassess_everyone() -> dict:
    """Job: every customer under the rules in force (after an admin changed them)."""
    return {"changed": _reassess_all(current_rules(), utcnow())}


STAGES_PER_QUERY = 5000  # customer ids per IN list (SQLite allows 32,766 variables)


def stages_at(reference: dict[int, datetime], *, before: bool = False) -> dict[int, str]:
    """Each customer's lifecycle stage at their reference moment (see stages_at_moments)."""
    keys = list(reference)
    return dict(zip(keys, stages_at_moments([(k, reference[k]) for k in keys], before=before), strict=True))


def stages_at_moments(moments: list[tuple[int, datetime]], *, before: bool = False) -> list[str]:
    """The stage of each (customer, moment): their last transition at it or (with `before`)
    strictly before it; reach when there is none. A customer may come with several moments."""
    if not moments:
        return []
    history: dict[int, list[tuple[datetime, str]]] = {}
    ids, latest = sorted({customer_id for customer_id, _at in moments}), max(at for _id, at in moments)
    for offset in range(0, len(ids), STAGES_PER_QUERY):
        rows = db.session.execute(
            select(StageTransition.customer_id, StageTransition.to_stage, StageTransition.occurred_at)
            .where(StageTransition.customer_id.in_(ids[offset:offset + STAGES_PER_QUERY]),
                   StageTransition.occurred_at <= latest)
            .order_by(StageTransition.occurred_at, StageTransition.id))
        for customer_id, stage, at in rows:
            history.setdefault(customer_id, []).append((at, stage))
    stages = []
    for customer_id, moment in moments:
        stage = "reach"
        for at, to_stage in history.get(customer_id, ()):
            if at > moment or (at == moment and before):
                break
            stage = to_stage
        stages.append(stage)
    return stages
