"""Settings › Feedback: how often NPS asks a customer (or not at all), and whether a detractor's
answer opens a follow-up ticket. Registered on the console blueprint by `register(bp)`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired

from app.auth.access import admin_required, current_actor
from app.services.errors import DomainError
from app.services.feedback import settings
from app.services.feedback.settings import MAX_PERIOD_DAYS, MIN_PERIOD_DAYS, FeedbackSettings


class FeedbackSettingsForm(FlaskForm):
    nps_period_days = IntegerField(
        "Ask each customer at most once every … days", validators=[InputRequired("Enter a number of days.")],
        description=f"{MIN_PERIOD_DAYS} to {MAX_PERIOD_DAYS} days; 0 turns NPS off. "
                    "Customers in retention or loyalty are asked in the widget on the shop.")
    nps_detractor_ticket = BooleanField("Open a follow-up ticket when a customer answers 0 to 6")


@admin_required
def feedback_settings_page():
    """Settings › Feedback: the settings in force, as an editable form."""
    form = FeedbackSettingsForm(data=settings.current().__dict__)
    return render_template("console/settings/feedback.html", form=form)


@admin_required
def save_feedback_settings():
    """Save the feedback settings (audit-logged); a refused value is shown next to its field."""
    form = FeedbackSettingsForm()
    if form.validate_on_submit():
        try:
            settings.save(FeedbackSettings(form.nps_period_days.data, form.nps_detractor_ticket.data),
                                   by=current_actor())
        except DomainError as exc:
            form.nps_period_days.errors = [*form.nps_period_days.errors, exc.message]
        else:
            flash("Feedback settings saved.", "success")
            return redirect(url_for("console.feedback_settings_page"))
    return render_template("console/settings/feedback.html", form=form), 400


def register(bp: Blueprint) -> None:
    """Add these pages to the console blueprint (called before the blueprint is registered)."""
    bp.add_url_rule("/settings/feedback", view_func=feedback_settings_page, methods=["GET"])
    bp.add_url_rule("/settings/feedback", endpoint="save_feedback_settings", view_func=save_feedback_settings,
                    methods=["POST"])
