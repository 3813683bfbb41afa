"""Settings › SLA: the policies (first match wins) and the shop's business calendar.
Registered by `register(bp)`."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, StringField
from wtforms.validators import Length, NumberRange, Optional

from app.auth.access import admin_required, current_actor
from app.console.settings.routing import Checkboxes, _label, _options, flag_options
from app.models.customer import STAGES
from app.models.ticket import TICKET_PRIORITIES
from app.services.errors import DomainError, NotFoundError
from app.services.tickets.sla import settings
from app.services.tickets.sla.business_hours import WEEKDAYS
from app.services.tickets.sla.settings import PolicySpec

DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                     strict=True))
HOURS = "Business hours, for example 0.5, 4 or 24."


class PolicyForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=80)])
    active = BooleanField("Active")
    priorities = Checkboxes("Priority is any of", choices=_options(TICKET_PRIORITIES))
    stages = Checkboxes("Customer's lifecycle stage is any of", choices=_options(STAGES))
    flags = Checkboxes("Customer has any of these flags", choices=flag_options())
    first_response = DecimalField("First response within", places=None, description=HOURS,
                                  validators=[Optional(), NumberRange(min=0.02, max=2160)])
    resolution = DecimalField("Resolved within", places=None, description=HOURS,
                              validators=[Optional(), NumberRange(min=0.02, max=2160)])


def _minutes(hours) -> int | None:
    return None if hours is None else max(1, round(float(hours) * 60))


def _spec(form: PolicyForm) -> PolicySpec:
    return PolicySpec(form.name.data or "", form.priorities.data, form.stages.data, form.flags.data,
                      _minutes(form.first_response.data), _minutes(form.resolution.data), form.active.data)


def _hours(minutes: int | None):
    return None if minutes is None else round(minutes / 60, 2)


def _show_error(form: FlaskForm, exc: DomainError) -> None:
    target = getattr(form, {"first_response": "first_response", "resolution": "resolution"}.get(
        exc.field or "", exc.field or ""), None)
    if target is None:
        form.form_errors.append(exc.message)
    else:
        target.errors = [*target.errors, exc.message]


def _page(status: int = 200, calendar_errors: dict | None = None, calendar_values: dict | None = None):
    row = settings.shop_calendar_row()
    values = calendar_values or {"timezone": row.timezone, "holidays": "\n".join(row.holidays),
                                 **{day: row.hours.get(day) for day in WEEKDAYS}}
    return render_template("console/settings/sla.html", policies=settings.all_policies(), form=FlaskForm(),
                           values=values, errors=calendar_errors or {}, days=DAY_NAMES, label=_label,
                           timezones=sorted(available_timezones())), status


@admin_required
def sla_page():
    """Settings › SLA: the policies in the order they are tried, and the business calendar."""
    return _page()


@admin_required
def save_calendar():
    """The calendar form: hours per weekday (a day unticked is closed), time zone, holidays."""
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("console.sla_page"))
    hours = {day: (request.form.get(f"{day}_start"), request.form.get(f"{day}_end"))
             if request.form.get(f"{day}_open") else None for day in WEEKDAYS}
    values = {"timezone": request.form.get("timezone", ""), "holidays": request.form.get("holidays", ""),
              **{day: list(span) if span else None for day, span in hours.items()}}
    try:
        settings.save_calendar(values["timezone"], hours, values["holidays"], by=current_actor())
    except DomainError as exc:
        return _page(exc.status, {exc.field or "timezone": exc.message}, values)
    flash("Business hours saved. Open tickets' SLA targets are being recalculated.", "success")
    return redirect(url_for("console.sla_page"))


def _edit_page(form: PolicyForm, policy_id: int | None, status: int = 200):
    return render_template("console/settings/sla_policy.html", form=form, policy_id=policy_id), status


@admin_required
def sla_policy(policy_id: int | None = None):
    """A policy's form (GET) or saved (POST)."""
    if request.method == "GET":
        if policy_id is None:
            return _edit_page(PolicyForm(data={"active": True}), None)
        try:
            policy = settings.get_policy(policy_id)
        except NotFoundError:
            abort(404)
        return _edit_page(PolicyForm(data={
            "name": policy.name, "active": policy.active, "priorities": policy.priorities, "stages": policy.stages,
            "flags": policy.flags, "first_response": _hours(policy.first_response_minutes),
            "resolution": _hours(policy.resolution_minutes)}), policy_id)
    form = PolicyForm()
    if not form.validate_on_submit():
        return _edit_page(form, policy_id, 400)
    try:
        settings.save_policy(_spec(form), policy_id=policy_id, by=current_actor())
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        _show_error(form, exc)
        return _edit_page(form, policy_id, exc.status)
    flash("SLA policy saved. Open tickets' targets are being recalculated.", "success")
    return redirect(url_for("console.sla_page"))


@admin_required
def sla_policy_action(policy_id: int, action: str):
    """Move a policy up or down, or delete it."""
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("console.sla_page"))
    try:
        if action == "delete":
            settings.delete_policy(policy_id, by=current_actor())
            flash("SLA policy deleted.", "success")
        else:
            settings.move_policy(policy_id, -1 if action == "up" else 1, by=current_actor())
    except NotFoundError:
        abort(404)
    return redirect(url_for("console.sla_page"))


def register(bp: Blueprint) -> None:
    """Add Settings › SLA to the console blueprint."""
    bp.add_url_rule("/settings/sla", view_func=sla_page, methods=["GET"])
    bp.add_url_rule("/settings/sla/calendar", view_func=save_calendar, methods=["POST"])
    bp.add_url_rule("/settings/sla/new", endpoint="new_sla_policy", view_func=sla_policy, methods=["GET", "POST"])
    bp.add_url_rule("/settings/sla/<int:policy_id>", view_func=sla_policy, methods=["GET", "POST"])
    bp.add_url_rule("/settings/sla/<int:policy_id>/<any(up, down, delete):action>", view_func=sla_policy_action,
                    methods=["POST"])
