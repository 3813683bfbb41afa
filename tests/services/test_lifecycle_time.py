"""Time-driven lifecycle: stages and flags that change with no event (the hourly job and the CLI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.jobs import PERIODIC_JOBS
from app.jobs.backends import resolve
from app.models import Customer, StageTransition
from app.services.customers import lifecycle
from app.services.shop_events.ingestion import ingest_events

NOW = datetime.now(UTC).replace(microsecond=0)


def placed(customer: str, order_id: str, days_ago: float, total: str = "40.00") -> dict:
    return {"id": f"evt-{order_id}", "type": "order_placed", "customer_id": customer,
            "timestamp": (NOW - timedelta(days=days_ago)).isoformat(),
            "properties": {"order_id": order_id, "currency": "EUR", "total": total,
                           "items": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": total}]}}


def customer(external_id: str) -> Customer:
    db.session.expire_all()
    return db.session.scalar(db.select(Customer).where(Customer.external_id == external_id))


def transitions(external_id: str) -> list[tuple]:
    rows = db.session.scalars(
        db.select(StageTransition).where(StageTransition.customer_id == customer(external_id).id)
        .order_by(StageTransition.id)
    )
    return [(t.from_stage, t.to_stage, t.event_id) for t in rows]


def test_a_single_order_ages_out_of_the_post_purchase_window(any_app):
    ingest_events([placed("c1", "o1", days_ago=10)])
    assert customer("c1").stage == "conversion"

    assert lifecycle.recompute_lifecycle(NOW + timedelta(days=19)) == {"changed": 0}  # day 29: still inside
    assert lifecycle.recompute_lifecycle(NOW + timedelta(days=21)) == {"changed": 1}  # day 31

    c = customer("c1")
    assert c.stage == "retention" and "post-purchase window" in c.stage_reason
    assert transitions("c1")[-1] == ("conversion", "retention", None)  # time caused it, not an event
    assert lifecycle.recompute_lifecycle(NOW + timedelta(days=21)) == {"changed": 0}
    assert transitions("c1") == [(None, "conversion", "evt-o1"), ("conversion", "retention", None)]


def test_at_risk_then_churned_appear_with_time(any_app):
    ingest_events([placed("c2", "o2", days_ago=5)])
    assert customer("c2").flags == []

    lifecycle.recompute_lifecycle(NOW + timedelta(days=100))  # 105 days: not yet twice the usual interval
    assert customer("c2").flags == []
    lifecycle.recompute_lifecycle(NOW + timedelta(days=120))  # 125 days > 2 × 60 default interval
    assert customer("c2").flags == ["at_risk"]
    lifecycle.recompute_lifecycle(NOW + timedelta(days=180))  # 185 days > 180: churned replaces at risk
    assert customer("c2").flags == ["churned"]
    assert customer("c2").stage == "retention"


def test_a_repeat_buyer_is_at_risk_after_twice_their_own_interval(any_app):
    ingest_events([placed("c3", "a", days_ago=50), placed("c3", "b", days_ago=40), placed("c3", "c", days_ago=30)])
    assert customer("c3").flags == []  # usual interval 10 days; 30 days since: at risk needs > max(20, 30)
    lifecycle.recompute_lifecycle(NOW + timedelta(days=1))
    assert customer("c3").flags == ["at_risk"]


def test_customers_without_orders_are_left_alone(any_app):
    ingest_events([{"id": "s1", "type": "signed_up", "customer_id": "c4", "timestamp": NOW.isoformat()}])
    before = customer("c4").stage_changed_at
    assert lifecycle.recompute_lifecycle(NOW + timedelta(days=400)) == {"changed": 0}
    assert customer("c4").stage == "acquisition" and customer("c4").stage_changed_at == before


def test_the_hourly_job_is_registered_and_runs_without_arguments(app):
    job = {j.name: j for j in PERIODIC_JOBS}["recompute_lifecycle"]
    assert job.every == 3600
    assert resolve(job.func)() == {"changed": 0}


def test_cli_prints_how_many_customers_changed(app, runner):
    ingest_events([placed("c5", "o5", days_ago=10), placed("c6", "o6", days_ago=12)])
    # Let 25 days pass for c5 only: its order is now 35 days old.
    c5 = customer("c5")
    c5.first_order_at = c5.last_order_at = NOW - timedelta(days=35)
    db.session.commit()
    result = runner.invoke(args=["helpdesk", "recompute-lifecycle"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 customer changed."
    assert customer("c5").stage == "retention" and customer("c6").stage == "conversion"
