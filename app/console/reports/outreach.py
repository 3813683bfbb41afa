"""Settings › Outreach › Report (every rule side by side, and shoppers who chatted against those
who did not) and one rule's report: reached, shown, opened, replies, conversions and revenue
against the holdout, the uplift's confidence interval, and the latest decisions with their
reasons. Registered by `register(bp)`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, render_template, request

from app.auth.access import admin_required
from app.console.forms import PeriodForm
from app.console.settings.outreach import ACTION_LABELS, VISITOR_LABELS, _duration, _label
from app.services.errors import DomainError, NotFoundError
from app.services.outreach import reports as outreach_reports

MAX_DAYS = 366


def _period(form: PeriodForm) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in UTC; DomainError for a range that is backwards or too long."""
    start, end = form.start.data, form.end.data
    if end < start:
        raise DomainError("The end date is before the start date.")
    if (end - start).days >= MAX_DAYS:
        raise DomainError(f"Choose at most {MAX_DAYS} days.")
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return since, datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)


@admin_required
def outreach_rule_report(rule_id: int):
    """One rule's report for the days in the query string (the last 30 by default)."""
    form, report, status = PeriodForm(request.args), None, 400
    try:
        if form.validate():
            report, status = outreach_reports.rule_report(rule_id, *_period(form)), 200
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        form.form_errors.append(exc.message)
    decisions = outreach_reports.recent_decisions(rule_id) if report else []
    return render_template("console/settings/outreach_report.html", form=form, report=report, rule_id=rule_id,
                           decisions=decisions, actions=ACTION_LABELS, visitors=VISITOR_LABELS,
                           duration=_duration, label=_label), status


@admin_required
def outreach_report():
    """Every rule's figures side by side, and shoppers who chatted against those who did not."""
    form, reports, support, status = PeriodForm(request.args), None, None, 400
    try:
        if form.validate():
            period = _period(form)
            reports, support, status = (outreach_reports.all_reports(*period),
                                        outreach_reports.support_comparison(*period), 200)
    except DomainError as exc:
        form.form_errors.append(exc.message)
    return render_template("console/settings/outreach_overview.html", form=form, reports=reports, support=support,
                           actions=ACTION_LABELS, visitors=VISITOR_LABELS, duration=_duration, label=_label), status


def register(bp: Blueprint) -> None:
    """Add the outreach reports to the console blueprint."""
    bp.add_url_rule("/settings/outreach/report", view_func=outreach_report, methods=["GET"])
    bp.add_url_rule("/settings/outreach/<int:rule_id>/report", view_func=outreach_rule_report, methods=["GET"])
