"""Reports: Support (volume, response and resolution times, SLA, CSAT), Lifecycle (stages now,
moves, cohorts), Loyalty (NPS, referrals) and Support and buying, each as charts with their
numbers in tables for a period, and as CSV. Every signed-in agent may open them. Registered on
the console blueprint by `register(bp)`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from app.console.forms import PeriodForm
from app.console.reports.outreach import _period
from app.models import STAGES
from app.models.base import utcnow
from app.services.errors import DomainError
from app.services.reports import cohorts, daily_figures, lifecycle, loyalty, retention, support


def _cohorts(first: date, last: date) -> list[cohorts.Cohort]:
    return cohorts.cohort_report(first, last, today=utcnow().date())


# What builds each report's figures from (first, last): a page's, or a CSV's alone.
BUILDERS: dict[str, Callable] = {
    "support": support.support_report,
    "lifecycle": lifecycle.lifecycle_report,
    "cohorts": _cohorts,
    "lifecycle_page": lambda first, last: {"lifecycle": lifecycle.lifecycle_report(first, last),
                                           "cohorts": _cohorts(first, last)},
    "loyalty": loyalty.loyalty_report,
    "buying": retention.retention_report,
}
# page → (its template, its builder)
PAGES: dict[str, tuple[str, str]] = {
    "support": ("console/reports/support.html", "support"),
    "lifecycle": ("console/reports/lifecycle.html", "lifecycle_page"),
    "loyalty": ("console/reports/loyalty.html", "loyalty"),
    "buying": ("console/reports/buying.html", "buying"),
}


def _build(form: PeriodForm, builder: str):
    """The figures for the form's period, or None with the form's messages (400)."""
    if not form.validate():
        return None
    try:
        _period(form)  # the same limits as every report: not backwards, at most a year
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return None
    daily_figures.ensure_fresh()
    return BUILDERS[builder](form.start.data, form.end.data)


def _page(name: str):
    form = PeriodForm(request.args)
    template, builder = PAGES[name]
    report = _build(form, builder)
    return render_template(template, form=form, report=report, refreshed_at=daily_figures.refreshed_at(),
                           page=name), 200 if report is not None else 400


@login_required
def reports_support():
    """Reports › Support for the days in the query string (the last 30 by default)."""
    return _page("support")


@login_required
def reports_lifecycle():
    """Reports › Lifecycle: stages now, the period's moves and step rates, the cohorts."""
    return _page("lifecycle")


@login_required
def reports_loyalty():
    """Reports › Loyalty: NPS over time and by stage, the scores, referrals, latest comments."""
    return _page("loyalty")


@login_required
def reports_buying():
    """Reports › Support and buying: shoppers in touch with support against those who were not."""
    return _page("buying")


def _csv(name: str, header: list[str], rows: Callable[[object], Iterable[list]]):
    """A report's figures as CSV for the period in the query string; 400 in plain text when it is wrong."""
    form = PeriodForm(request.args)
    report = _build(form, name)
    if report is None:
        return Response(" ".join(form.form_errors + [e for errs in form.errors.values() for e in errs]) + "\n",
                        status=400, mimetype="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows(report))
    filename = f"{name}-{form.start.data.isoformat()}-{form.end.data.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@login_required
def reports_support_csv():
    """The support report's daily figures (one row per day)."""
    return _csv("support", ["day", "conversations", "tickets_created", "tickets_solved", "csat_good", "csat_bad"],
                lambda r: ([d.isoformat(), r.conversations[i], r.tickets_created[i], r.tickets_solved[i],
                            r.csat_good[i], r.csat_bad[i]] for i, d in enumerate(r.days)))


@login_required
def reports_lifecycle_csv():
    """The customers entering each stage per day of the period."""
    stages = list(STAGES)
    return _csv("lifecycle", ["day", *(f"entered_{s}" for s in stages)],
                lambda r: ([d.isoformat(), *(r.entered[s][i] for s in stages)] for i, d in enumerate(r.days)))


@login_required
def reports_cohorts_csv():
    """One row per cohort: its size, who ordered in each following month, who had ordered again."""
    months = range(cohorts.MONTHS_FOLLOWED + 1)
    return _csv("cohorts", ["first_order_month", "customers", "churned_now", *(f"ordered_month_{k}" for k in months),
                            *(f"ordered_again_by_month_{k}" for k in months)],
                lambda r: ([c.month.strftime("%Y-%m"), c.customers, c.churned,
                            *(c.active[k] if k < len(c.active) else "" for k in months),
                            *(c.repeat[k] if k < len(c.repeat) else "" for k in months)] for c in r))


@login_required
def reports_loyalty_csv():
    """NPS per day, week or month of the period (as the chart shows it)."""
    return _csv("loyalty", ["period", "promoters", "passives", "detractors", "answers", "nps"],
                lambda r: ([n.label, n.promoters, n.passives, n.detractors, n.answers,
                            "" if n.score is None else n.score] for n in r.over_time))


@login_required
def reports_buying_csv():
    """Each comparison's two groups: how many, how many did it, the share."""
    def rows(r):
        for c in (r.bought, r.again, r.after_csat_again, r.after_csat_churned):
            for label, share in ((c.first_label, c.first), (c.second_label, c.second)):
                yield [c.title, label, share.whole, share.part, "" if share.percent is None else share.percent]
    return _csv("buying", ["measure", "group", "count", "did_it", "percent"], rows)


def minutes_text(minutes: float | None) -> str:
    """Minutes in words: “—”, “45 s”, “12 min”, “3 h 20 min”, “2 d 4 h”."""
    if minutes is None:
        return "—"
    if minutes < 1:
        return f"{round(minutes * 60)} s"
    whole = round(minutes)
    if whole < 60:
        return f"{whole} min"
    hours, rest = divmod(whole, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def register(bp: Blueprint) -> None:
    """Add the report pages and their CSVs to the console blueprint, and minutes_text to every template."""
    bp.add_app_template_filter(minutes_text, "minutes_text")
    bp.add_url_rule("/reports", view_func=reports_support)
    bp.add_url_rule("/reports/lifecycle", view_func=reports_lifecycle)
    bp.add_url_rule("/reports/loyalty", view_func=reports_loyalty)
    bp.add_url_rule("/reports/buying", view_func=reports_buying)
    bp.add_url_rule("/reports/support.csv", view_func=reports_support_csv)
    bp.add_url_rule("/reports/lifecycle.csv", view_func=reports_lifecycle_csv)
    bp.add_url_rule("/reports/cohorts.csv", view_func=reports_cohorts_csv)
    bp.add_url_rule("/reports/loyalty.csv", view_func=reports_loyalty_csv)
    bp.add_url_rule("/reports/buying.csv", view_func=reports_buying_csv)
