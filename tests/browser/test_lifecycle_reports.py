"""Reports › Lifecycle, Loyalty and Support and buying in Chromium with the demo's data (issue #8's
"Done means", second part): the lifecycle funnel, the cohorts and the NPS charts are drawn with the
same numbers as their tables, the tabs move between the pages, each page passes axe, and a
screenshot of each chart is kept in test-artifacts/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models.base import utcnow
from tests.browser.test_console import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in

pytestmark = pytest.mark.browser


def _chart(page, name: str) -> dict:
    """What Chart.js drew on a canvas: its labels and each series' values."""
    return page.evaluate("""(name) => {
        const chart = document.querySelector(`[data-chart="${name}"]`).chart;
        return {labels: chart.data.labels,
                series: Object.fromEntries(chart.data.datasets.map(d => [d.label, d.data]))};
    }""", name)


def _shot(page, artifacts, name: str, selector: str) -> None:
    page.locator(selector).screenshot(path=artifacts / f"report-{name}.png")


def test_the_lifecycle_cohort_and_nps_charts_draw_the_demo(page, artifacts, assert_accessible):
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    today = utcnow().date()
    year = f"?start={(today - timedelta(days=365)).isoformat()}&end={today.isoformat()}"
    page.goto("/console/reports")
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Lifecycle").click()
    expect(page).to_have_url(re.compile(r"/console/reports/lifecycle$"))
    page.goto(f"/console/reports/lifecycle{year}")

    funnel = _chart(page, "funnel")
    assert funnel["labels"] == ["Reach", "Acquisition", "Conversion", "Retention", "Loyalty"]
    table = [int(page.locator(f'[data-table="stages-now"] tr[data-stage="{s.lower()}"] [data-customers]')
                 .text_content()) for s in funnel["labels"]]
    assert funnel["series"]["Customers"] == table and sum(table) > 500
    cohorts = _chart(page, "cohorts")
    assert cohorts["labels"][:2] == ["First month", "Month 1"] and len(cohorts["labels"]) == 13
    overall = cohorts["series"]["All cohorts"]
    assert all(v is not None for v in overall) and 10 < max(overall) < 100  # a year of repeat buyers
    assert page.locator('[data-table="cohorts-repeat"] tr[data-cohort]').count() >= 12
    assert_accessible(page)
    _shot(page, artifacts, "lifecycle-funnel", 'section[aria-labelledby="now-title"]')
    _shot(page, artifacts, "lifecycle-cohorts", 'section[aria-labelledby="cohorts-title"]')
    page.screenshot(path=artifacts / "report-lifecycle.png", full_page=True)

    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Loyalty").click()
    expect(page).to_have_url(re.compile(r"/console/reports/loyalty$"))
    page.goto(f"/console/reports/loyalty{year}")
    nps = _chart(page, "nps")
    answers = sum(nps["series"]["Answers"])
    assert answers == int(page.locator("[data-loyalty-totals] dd", has_text="answers").text_content().split()[0]) > 30
    shown = page.locator('[data-total="nps"]').text_content().strip()
    assert re.fullmatch(r"[+-]?\d+", shown) and any(v is not None for v in nps["series"]["NPS"])
    groups = _chart(page, "groups")
    assert sum(sum(v) for v in groups["series"].values()) == answers
    assert_accessible(page)
    _shot(page, artifacts, "nps", 'section[aria-labelledby="nps-title"]')
    page.screenshot(path=artifacts / "report-loyalty.png", full_page=True)

    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Support and buying").click()
    page.goto(f"/console/reports/buying{year}")
    bought = _chart(page, "bought")
    shares = [page.locator(f'[data-comparison="bought"] tr[data-group="{g}"] [data-percent]').text_content()
              for g in ("first", "second")]
    assert bought["series"]["Share (%)"] == [float(s.replace("%", "")) for s in shares]
    assert_accessible(page)
    page.screenshot(path=artifacts / "report-buying.png", full_page=True)
