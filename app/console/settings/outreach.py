"""Settings › Outreach: proactive-outreach rules (when, who, do, limits) and the cap across rules.
The rules are checked by app/services/outreach/rules.py; this module only maps the form to a
RuleSpec and back. Registered by `register(bp)`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.auth.access import admin_required, current_actor
from app.console.settings.routing import Checkboxes, _label, _options, _split, flag_options
from app.models.customer import SEGMENTS, STAGES
from app.services.customers import placeholders
from app.services.errors import DomainError, NotFoundError
from app.services.outreach import rules
from app.services.outreach.rules import RuleSpec
from app.services.platform import presence

TRIGGER_LABELS = {"event": "An event arrives", "cart_idle": "Cart unchanged while on the site",
                  "page_dwell": "Time on a page", "returning_visitor": "A returning visitor arrives",
                  "days_after_first_order": "Days after the first order"}
ACTION_LABELS = {"widget_message": "Message in the chat widget", "agent_alert": "Alert online agents",
                 "follow_up_ticket": "Open a follow-up ticket", "email": "Send an email"}
VISITOR_LABELS = {"any": "Any visitor", "new": "New visitors only", "returning": "Returning visitors only"}
WAITING_KINDS = ("cart_idle", "page_dwell", "returning_visitor")
# The service names the trigger's and the action's kind "trigger" and "action"; the form's radios
# carry a suffix so that they cannot be mistaken for the form's own action.
FORM_FIELD = {"trigger": "trigger_kind", "action": "action_kind"}
NUMBER = [Optional(), Length(max=20)]  # the service parses and range-checks every number


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in labels.items()]


class OutreachRuleForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=80)])
    active = BooleanField("Active")
    priority = StringField("Priority", validators=NUMBER,
                           description="1 to 100. When several rules match one visitor at once, the highest is "
                                       "tried first.")
    trigger_kind = RadioField("What starts the rule", choices=_choices(TRIGGER_LABELS), validate_choice=False)
    event = StringField("Event name", validators=[Optional(), Length(max=64)],
                        description="checkout_started, cart_updated, order_placed, nps_submitted (with the "
                                    "Detractor flag in Who: an NPS answer of 0-6) or any custom event.")
    seconds = StringField("Wait in seconds", validators=NUMBER,
                          description="For a cart unchanged, time on a page or a returning visitor.")
    days = StringField("Days", validators=NUMBER, description="For days after the first order.")
    url_pattern = StringField("Page pattern", validators=[Optional(), Length(max=300)],
                              description="A regular expression searched in the page address, e.g. /checkout or "
                                          "/help/.*/returns. Not used for days after the first order.")
    stages = Checkboxes("Lifecycle stage is any of", choices=_options(STAGES))
    flags = Checkboxes("Customer has any of these flags", choices=flag_options())
    segments = Checkboxes("Segment is any of", choices=_options(SEGMENTS))
    cart_min = StringField("Cart value at least", validators=NUMBER)
    cart_max = StringField("Cart value at most", validators=NUMBER)
    orders_min = StringField("Orders at least", validators=NUMBER)
    orders_max = StringField("Orders at most", validators=NUMBER)
    languages = StringField("Languages", validators=[Optional(), Length(max=200)],
                            description="Two-letter codes separated by commas, such as en, pt, nl. Empty: any.")
    visitor = SelectField("Visitor", choices=_choices(VISITOR_LABELS))
    action_kind = RadioField("What to do", choices=_choices(ACTION_LABELS), validate_choice=False)
    from_agent_id = SelectField("From", choices=[], validate_choice=False,
                                description="Only for a message in the chat widget.")
    subject = StringField("Subject", validators=[Optional(), Length(max=200)],
                          description="For a follow-up ticket or an email.")
    body = TextAreaField("Message", validators=[Optional(), Length(max=5000)], render_kw={"rows": 5})
    holdout_percent = StringField("Holdout percent", validators=NUMBER,
                                  description="0 to 50: this share of the audience is left alone at random, to "
                                              "measure uplift.")
    cap_hours = StringField("At most once per visitor every (hours)", validators=NUMBER, description="1 to 720.")
    business_hours_only = BooleanField("Only during business hours")
    starts_at = DateField("Start date", validators=[Optional()], description="Optional. From 00:00 UTC that day.")
    ends_at = DateField("End date", validators=[Optional()], description="Optional. Runs through that day (UTC).")
    conversion_hours = StringField("Conversion window (hours)", validators=NUMBER,
                                   description="An order within this many hours of the message counts as its "
                                               "conversion. 1 to 720.")

    def fill_choices(self) -> None:
        """Choices and hints that depend on the team and the placeholders, set per request."""
        self.from_agent_id.choices = [SelectChoice("", "The shop")] + [
            SelectChoice(str(m.id), m.display_name) for m in presence.team()]
        self.body.description = (f"Placeholders: {placeholders.known_list()}. A fallback goes after a bar: "
                                 "{{customer.first_name|there}}.")


class CapForm(FlaskForm):
    visitor_cap_hours = StringField("At most one message or email per visitor every", validators=NUMBER)


def _utc(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


def _end_of(day: date | None) -> datetime | None:
    """The end date counts whole: the rule stops at the midnight after it."""
    return None if day is None else _utc(day) + timedelta(days=1)


def _trigger(form: OutreachRuleForm) -> dict:
    """Only the fields the chosen kind uses, so a value left in another kind's box is not saved."""
    kind = form.trigger_kind.data
    trigger = {"kind": kind}
    if kind == "event":
        trigger["event"] = form.event.data
    elif kind == "days_after_first_order":
        return {**trigger, "days": form.days.data}
    elif kind in WAITING_KINDS:
        trigger["seconds"] = form.seconds.data
    if form.url_pattern.data:
        trigger["url_pattern"] = form.url_pattern.data
    return trigger


def _action(form: OutreachRuleForm) -> dict:
    kind = form.action_kind.data
    if kind == "widget_message":
        return {"kind": kind, "body": form.body.data, "from_agent_id": form.from_agent_id.data or None}
    if kind in ("follow_up_ticket", "email"):
        return {"kind": kind, "subject": form.subject.data, "body": form.body.data}
    return {"kind": kind, "body": form.body.data}


def _spec(form: OutreachRuleForm) -> RuleSpec:
    audience = {name: form[name].data for name in ("stages", "flags", "segments", "cart_min", "cart_max",
                                                   "orders_min", "orders_max", "visitor")}
    return RuleSpec(
        name=form.name.data or "", trigger=_trigger(form), action=_action(form),
        audience={**audience, "languages": _split(form.languages.data)}, active=form.active.data,
        priority=form.priority.data, holdout_percent=form.holdout_percent.data, cap_hours=form.cap_hours.data,
        business_hours_only=form.business_hours_only.data, starts_at=_utc(form.starts_at.data),
        ends_at=_end_of(form.ends_at.data), conversion_hours=form.conversion_hours.data)


def _text(value) -> str:
    return "" if value is None else str(value)


def _form_for(rule) -> OutreachRuleForm:
    t, a, c = rule.trigger, rule.action, rule.audience
    return OutreachRuleForm(data={
        "name": rule.name, "active": rule.active, "priority": str(rule.priority), "trigger_kind": t.get("kind"),
        "event": t.get("event", ""), "seconds": _text(t.get("seconds")), "days": _text(t.get("days")),
        "url_pattern": t.get("url_pattern", ""), "stages": c.get("stages", []), "flags": c.get("flags", []),
        "segments": c.get("segments", []), "cart_min": _text(c.get("cart_min")), "cart_max": _text(c.get("cart_max")),
        "orders_min": _text(c.get("orders_min")), "orders_max": _text(c.get("orders_max")),
        "languages": ", ".join(c.get("languages", [])), "visitor": c.get("visitor", "any"),
        "action_kind": a.get("kind"), "from_agent_id": _text(a.get("from_agent_id")), "subject": a.get("subject", ""),
        "body": a.get("body", ""), "holdout_percent": str(rule.holdout_percent), "cap_hours": str(rule.cap_hours),
        "business_hours_only": rule.business_hours_only, "conversion_hours": str(rule.conversion_hours),
        "starts_at": rule.starts_at.date() if rule.starts_at else None,
        "ends_at": (rule.ends_at - timedelta(days=1)).date() if rule.ends_at else None})


def _new_form() -> OutreachRuleForm:
    return OutreachRuleForm(data={"active": True, "priority": "50", "trigger_kind": "cart_idle", "visitor": "any",
                                  "action_kind": "widget_message", "holdout_percent": "0", "cap_hours": "24",
                                  "conversion_hours": "24"})


def _show_error(form: FlaskForm, exc: DomainError) -> None:
    """The message next to the field the service names; a name the form lacks goes on top.
    `name in form` looks at fields only (getattr would also find the form's methods)."""
    name = FORM_FIELD.get(exc.field or "", exc.field or "")
    if name and name in form:
        form[name].errors = [*form[name].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def _duration(seconds: int) -> str:
    """Seconds in words for the list: 45 s, 3 min, 2 h, 1 min 30 s."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _list_page(cap_form: CapForm | None = None, status: int = 200):
    if cap_form is None:
        cap_form = CapForm(data={"visitor_cap_hours": str(rules.visitor_cap_hours())})
    return render_template("console/settings/outreach.html", rules=rules.all_rules(), form=FlaskForm(),
                           cap_form=cap_form,
                           actions=ACTION_LABELS, visitors=VISITOR_LABELS, duration=_duration,
                           label=_label), status


def _edit_page(form: OutreachRuleForm, rule_id: int | None, status: int = 200):
    form.fill_choices()
    return render_template("console/settings/outreach_rule.html", form=form, rule_id=rule_id), status


@admin_required
def outreach_rules_page():
    """Settings › Outreach: the rules in the order the engine tries them, and the cap across rules."""
    return _list_page()


@admin_required
def save_outreach_cap():
    """The cap across rules: at most one visitor-facing message or email per visitor per N hours."""
    form = CapForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        rules.save_visitor_cap(form.visitor_cap_hours.data, by=current_actor())
    except DomainError as exc:
        _show_error(form, exc)
        return _list_page(form, exc.status)
    flash("Outreach limit saved.", "success")
    return redirect(url_for("console.outreach_rules"))


@admin_required
def outreach_rule(rule_id: int | None = None):
    """A rule's form (GET) or saved (POST); a refused rule comes back with the reason by its field."""
    if request.method == "GET":
        try:
            return _edit_page(_new_form() if rule_id is None else _form_for(rules.get_rule(rule_id)),
                              rule_id)
        except NotFoundError:
            abort(404)
    form = OutreachRuleForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _edit_page(form, rule_id, 400)
    try:
        rules.save_rule(_spec(form), rule_id=rule_id, by=current_actor())
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        _show_error(form, exc)
        return _edit_page(form, rule_id, exc.status)
    flash("Outreach rule saved.", "success")
    return redirect(url_for("console.outreach_rules"))


@admin_required
def delete_outreach_rule(rule_id: int):
    """Stop a rule at once; its decisions and report stay."""
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("console.outreach_rules"))
    try:
        rules.delete_rule(rule_id, by=current_actor())
    except NotFoundError:
        abort(404)
    flash("Outreach rule deleted.", "success")
    return redirect(url_for("console.outreach_rules"))


def register(bp: Blueprint) -> None:
    """Add Settings › Outreach to the console blueprint."""
    bp.add_url_rule("/settings/outreach", endpoint="outreach_rules", view_func=outreach_rules_page, methods=["GET"])
    bp.add_url_rule("/settings/outreach/cap", view_func=save_outreach_cap, methods=["POST"])
    bp.add_url_rule("/settings/outreach/new", endpoint="new_outreach_rule", view_func=outreach_rule,
                    methods=["GET", "POST"])
    bp.add_url_rule("/settings/outreach/<int:rule_id>", view_func=outreach_rule, methods=["GET", "POST"])
    bp.add_url_rule("/settings/outreach/<int:rule_id>/delete", view_func=delete_outreach_rule, methods=["POST"])
