"""Reports › Lifecycle, Loyalty and Support and buying in the console: any signed-in agent sees
them with their charts' data and tables; the tabs lead to the knowledge-base report (and, for an
admin, the outreach report); bad ranges are refused with the reason (400, page and CSV); the CSVs
carry the same numbers; what a customer typed is escaped."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Customer, Order, StageTransition, Survey
from app.models.base import utcnow
from app.services.reports import daily_figures

PAGES = ("/console/reports/lifecycle", "/console/reports/loyalty", "/console/reports/buying")
CSVS = ("lifecycle", "cohorts", "loyalty", "buying")


def a_customers_year() -> Customer:
    """A customer who bought twice, moved to retention and answered NPS 3 with a comment."""
    now = utcnow()
    customer = Customer(external_id="c-life", name="Ana <script>", stage="retention")
    db.session.add(customer)
    db.session.flush()
    db.session.add_all([
        StageTransition(customer_id=customer.id, from_stage=None, to_stage="acquisition",
                        occurred_at=now - timedelta(days=3), reason="seen"),
        StageTransition(customer_id=customer.id, from_stage="acquisition", to_stage="conversion",
                        occurred_at=now - timedelta(days=2), reason="ordered"),
        StageTransition(customer_id=customer.id, from_stage="conversion", to_stage="retention",
                        occurred_at=now - timedelta(hours=1), reason="ordered again"),
        Order(external_order_id="o1", customer_id=customer.id, placed_at=now - timedelta(days=2), total=10),
        Order(external_order_id="o2", customer_id=customer.id, placed_at=now - timedelta(hours=1), total=10),
        Survey(kind="nps", subject_key="nps:1", customer_id=customer.id, stage="retention", channel="nps",
               asked_via="widget", asked_at=now, answered_at=now, answered_via="widget", score=3,
               comment="<img src=x onerror=alert(1)>")])
    db.session.commit()
    daily_figures.rebuild_all()  # as the hourly job does (a page view rebuilds only today and yesterday)
    return customer


@pytest.mark.parametrize("url", PAGES)
def test_the_signed_out_go_to_the_login(client, url):
    assert client.get(url).status_code == 302


def test_an_agent_sees_the_lifecycle_moves_and_the_cohort(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    a_customers_year()
    html = client.get(PAGES[0]).get_data(as_text=True)
    assert 'data-chart="funnel"' in html and 'data-chart="cohorts"' in html and "vendor/chart.umd.min.js" in html
    assert '<tr data-move="acquisition>conversion">' in html.replace("&gt;", ">")
    assert 'data-step="acquisition">100.0 %' in html  # the one in acquisition moved on
    month = utcnow().strftime("%Y-%m")
    assert f'<tr data-cohort="{month}">' in html
    assert 'href="/console/kb/reports"' in html and 'href="/console/settings/outreach/report"' not in html


def test_an_agent_sees_nps_with_the_comment_escaped(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    a_customers_year()
    html = client.get(PAGES[1]).get_data(as_text=True)
    assert '<dd data-total="nps">-100</dd>' in html and '<dd data-total="detractors">1</dd>' in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Ana &lt;script&gt;" in html and 'data-chart="scores"' in html


def test_an_admin_also_finds_the_outreach_report_among_the_tabs(client, make_agent, auth):
    auth.login(make_agent("admin").email)
    html = client.get(PAGES[2]).get_data(as_text=True)
    assert 'href="/console/settings/outreach/report"' in html and 'data-comparison="bought"' in html


@pytest.mark.parametrize("url", PAGES + tuple(f"/console/reports/{name}.csv" for name in CSVS))
def test_bad_ranges_are_refused_with_the_reason(client, make_agent, auth, url):
    auth.login(make_agent("agent").email)
    today = utcnow().date()
    earlier, decade_ago = (today - timedelta(days=3)).isoformat(), (today - timedelta(days=3650)).isoformat()
    backwards = client.get(url, query_string={"start": today.isoformat(), "end": earlier})
    assert backwards.status_code == 400 and "The end date is before the start date." in backwards.get_data(as_text=True)
    decade = client.get(url, query_string={"start": decade_ago, "end": today.isoformat()})
    assert decade.status_code == 400 and "Choose at most 366 days." in decade.get_data(as_text=True)


def _csv(client, name: str) -> list[dict]:
    today = utcnow().date()
    response = client.get(f"/console/reports/{name}.csv", query_string={
        "start": (today - timedelta(days=6)).isoformat(), "end": today.isoformat()})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="{name}-' in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csvs_carry_the_pages_numbers(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    a_customers_year()
    lifecycle = _csv(client, "lifecycle")
    assert len(lifecycle) == 7 and sum(int(r["entered_retention"]) for r in lifecycle) == 1
    cohorts = _csv(client, "cohorts")
    assert cohorts[-1]["customers"] == "1" and cohorts[-1]["ordered_month_0"] == "1"
    loyalty = _csv(client, "loyalty")
    assert sum(int(r["detractors"]) for r in loyalty) == 1
    buying = _csv(client, "buying")
    assert {r["group"] for r in buying} == {"In touch with support", "Not in touch", "After a good rating",
                                            "After a bad rating"}
