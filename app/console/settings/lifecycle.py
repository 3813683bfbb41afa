"""Settings › Lifecycle: the thresholds of the lifecycle rules, a preview of their effect, and saving
them. Registered on the console blueprint by `register(bp)` in app/console/__init__.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from app.auth.access import admin_required, current_actor
from app.console.forms import LifecycleRulesForm
from app.models import STAGES
from app.services.customers import lifecycle
from app.services.customers.lifecycle_rules import LifecycleRules

BAND_FIELDS = ("recency_days", "frequency_orders", "monetary_values")


def _form_for(rules: LifecycleRules) -> LifecycleRulesForm:
    data = rules.to_dict()
    for name in BAND_FIELDS:
        data[name] = ", ".join(str(v) for v in data[name])
    return LifecycleRulesForm(data=data)


def _page(form: LifecycleRulesForm, *, preview=None, status: int = 200):
    return render_template("console/settings/lifecycle.html", form=form, preview=preview, stages=STAGES), status


@admin_required
def lifecycle_settings():
    """Settings › Lifecycle: the rules in force, as an editable form."""
    return _page(_form_for(lifecycle.current_rules()))


@admin_required
def preview_lifecycle_rules():
    """How many customers the submitted rules would move, and the stage counts before and after;
    nothing is saved."""
    form = LifecycleRulesForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    preview = lifecycle.preview_rules(LifecycleRules.from_dict(form.rules_data()))
    return _page(form, preview=preview)


@admin_required
def save_lifecycle_rules():
    """Save the rules (audit-logged); every customer is then reassessed in the background."""
    form = LifecycleRulesForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    lifecycle.save_rules(LifecycleRules.from_dict(form.rules_data()), by=current_actor())
    flash("Lifecycle rules saved. Every customer is being reassessed under them.", "success")
    return redirect(url_for("console.lifecycle_settings"))


def register(bp: Blueprint) -> None:
    """Add these pages to the console blueprint (called before the blueprint is registered)."""
    bp.add_url_rule("/settings/lifecycle", view_func=lifecycle_settings, methods=["GET"])
    bp.add_url_rule("/settings/lifecycle", endpoint="save_lifecycle_rules", view_func=save_lifecycle_rules,
                    methods=["POST"])
    bp.add_url_rule("/settings/lifecycle/preview", view_func=preview_lifecycle_rules, methods=["POST"])
