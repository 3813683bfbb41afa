"""Reports: the support figures (volume, response and resolution times, SLA, CSAT by stage, agent
and channel) as charts with their numbers in tables, for a period, and as CSV. Every signed-in
agent may open them. Registered on the console blueprint by `register(bp)`."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from app.console.forms import PeriodForm
from app.console.outreach_report_views import _period
from app.services import report_figures, support_report
from app.services.errors import DomainError


def _support(form: PeriodForm):
    """The report for the form's period, or None with the form's messages (400)."""
    if not form.validate():
        return None
    try:
        _period(form)  # the same limits as every report: not backwards, at most a year
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return None
    report_figures.ensure_fresh()
    return support_report.support_report(form.start.data, form.end.data)


@login_required
def reports_support():
    """Reports › Support for the days in the query string (the last 30 by default)."""
    form = PeriodForm(request.args)
    report = _support(form)
    return render_template("console/reports/support.html", form=form, report=report,
                           refreshed_at=report_figures.refreshed_at()), 200 if report else 400


@login_required
def reports_support_csv():
    """The support report's daily figures as CSV (one row per day), for a spreadsheet."""
    form = PeriodForm(request.args)
    report = _support(form)
    if report is None:
        return Response(" ".join(form.form_errors + [e for errs in form.errors.values() for e in errs]) + "\n",
                        status=400, mimetype="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "conversations", "tickets_created", "tickets_solved", "csat_good", "csat_bad"])
    for i, day in enumerate(report.days):
        writer.writerow([day.isoformat(), report.conversations[i], report.tickets_created[i],
                         report.tickets_solved[i], report.csat_good[i], report.csat_bad[i]])
    name = f"support-{report.days[0].isoformat()}-{report.days[-1].isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


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
    bp.add_app_template_filter(minutes_text, "minutes_text")
    bp.add_url_rule("/reports", "reports_support", reports_support)
    bp.add_url_rule("/reports/support.csv", "reports_support_csv", reports_support_csv)
