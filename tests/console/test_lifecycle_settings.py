"""Settings › Lifecycle over HTTP: admins only, preview without saving, save with an audit entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer
from app.services.customers import lifecycle
from app.services.shop_events.ingestion import ingest_events

PAGE = "/console/settings/lifecycle"
PREVIEW = "/console/settings/lifecycle/preview"
DEFAULTS = {
    "post_purchase_days": "30", "loyalty_min_orders": "4", "loyalty_min_value": "500", "promoter_min_score": "9",
    "frequent_min_orders": "3", "default_order_interval_days": "60", "at_risk_factor": "2.0", "churn_days": "180",
    "vip_min_rfm": "13", "recency_days": "30, 90, 180, 365", "frequency_orders": "2, 3, 5, 8",
    "monetary_values": "100, 250, 500, 1000",
}


@pytest.fixture
def buyers(app):
    """Three customers: two with one order 20 days ago (conversion), one with none (acquisition)."""
    when = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    order = {"currency": "EUR", "total": "20.00", "items": [{"sku": "A", "name": "A", "quantity": 1,
                                                               "unit_price": "20.00"}]}
    ingest_events([
        {"id": "o1", "type": "order_placed", "customer_id": "b1", "timestamp": when,
         "properties": {**order, "order_id": "o1"}},
        {"id": "o2", "type": "order_placed", "customer_id": "b2", "timestamp": when,
         "properties": {**order, "order_id": "o2"}},
        {"id": "s3", "type": "signed_up", "customer_id": "b3", "timestamp": when},
    ])


def stages() -> dict[str, str]:
    db.session.expire_all()
    return {c.external_id: c.stage for c in db.session.scalars(db.select(Customer))}


@pytest.mark.parametrize("method,path", [("get", PAGE), ("post", PAGE), ("post", PREVIEW)])
def test_agents_get_403_and_anonymous_sign_in(make_agent, auth, post_form, method, path):
    # Anonymous: sent to sign in (a POST without a session has no CSRF token either: 400).
    assert getattr(auth.client, method)(path).status_code == (302 if method == "get" else 400)
    auth.login(make_agent("agent").email)
    response = post_form(path, DEFAULTS) if method == "post" else auth.client.get(path)
    assert response.status_code == 403


def test_the_page_shows_the_rules_in_force_as_labelled_number_inputs(admin, client):
    html = client.get(PAGE).get_data(as_text=True)
    assert 'aria-current="page">Lifecycle<' in html
    assert '<label class="field__label" for="post_purchase_days">Post-purchase window (days)</label>' in html
    assert 'type="number"' in html and 'id="post_purchase_days"' in html and 'value="30"' in html
    assert 'aria-describedby="post_purchase_days-hint"' in html and 'min="1"' in html and 'max="365"' in html
    assert 'value="30, 90, 180, 365"' in html


def test_preview_counts_moves_and_saves_nothing(admin, post_form, buyers):
    response = post_form(PREVIEW, {**DEFAULTS, "post_purchase_days": "10"}, page=PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>2 customers</strong> would change stage" in html
    assert 'data-stage-row="conversion"' in html and "(-2)" in html and "(+2)" in html
    assert 'value="10"' in html  # the form keeps what was previewed
    assert stages() == {"b1": "conversion", "b2": "conversion", "b3": "acquisition"}
    assert lifecycle.current_rules().post_purchase_days == 30
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == "lifecycle.rules_changed")) == 0


def test_save_stores_the_rules_reassesses_customers_and_is_audited(admin, post_form, client, buyers):
    response = post_form(PAGE, {**DEFAULTS, "post_purchase_days": "10", "at_risk_factor": "3.5"}, page=PAGE)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    rules = lifecycle.current_rules()
    assert (rules.post_purchase_days, rules.at_risk_factor) == (10, 3.5)
    assert stages() == {"b1": "retention", "b2": "retention", "b3": "acquisition"}  # the job ran (eager in tests)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "lifecycle.rules_changed"))
    assert event.actor_id == admin.id and event.details["post_purchase_days"] == 10
    assert "Lifecycle rules saved" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("changes,field,message", [
    ({"post_purchase_days": "0"}, "post_purchase_days", "Between 1 and 365."),
    ({"post_purchase_days": ""}, "post_purchase_days", "Enter a number."),
    ({"promoter_min_score": "11"}, "promoter_min_score", "Between 0 and 10."),
    ({"at_risk_factor": "0.5"}, "at_risk_factor", "Between 1 and 20."),
    ({"churn_days": "30"}, "churn_days", "Must be longer than the post-purchase window."),
    ({"recency_days": "30, 90, 180"}, "recency_days", "four different, increasing"),
    ({"monetary_values": "500, 100, 250, 1000"}, "monetary_values", "four different, increasing"),
    ({"frequency_orders": "two, three"}, "frequency_orders", "whole numbers"),
])
def test_out_of_range_values_are_explained_and_nothing_saved(admin, post_form, changes, field, message):
    for path in (PREVIEW, PAGE):
        response = post_form(path, {**DEFAULTS, **changes}, page=PAGE)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html
    assert lifecycle.current_rules() == lifecycle.LifecycleRules()
