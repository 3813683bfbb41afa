"""Settings › Routing (rules evaluated when a ticket arrives, with a test against a sample ticket
before saving) and Settings › Groups (teams and their members). Registered by `register(bp)`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.access import admin_required, current_actor
from app.models.customer import FLAGS, SEGMENTS, STAGES
from app.models.ticket import TICKET_CHANNELS, TICKET_PRIORITIES
from app.services.errors import DomainError, NotFoundError
from app.services.platform import presence
from app.services.tickets import groups, routing
from app.services.tickets.routing import ROUND_ROBIN, RuleSpec, Sample


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _options(values, first: tuple[str, str] | None = None) -> list[SelectChoice]:
    options = [SelectChoice(*first)] if first else []
    return options + [SelectChoice(v, _label(v)) for v in values]


# The customer flags as rule forms offer them (routing, outreach, SLA): an NPS group says what it
# means where it is chosen.
FLAG_LABELS = {"vip": "VIP", "promoter": "Promoter (NPS 9–10)", "passive": "Passive (NPS 7–8)",
               "detractor": "Detractor (NPS 0–6)"}


def flag_options() -> list[SelectChoice]:
    return [SelectChoice(flag, FLAG_LABELS.get(flag, _label(flag))) for flag in FLAGS]


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RuleForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=80)])
    active = BooleanField("Active")
    stop = BooleanField("When this rule matches, skip the rules below it")
    channels = Checkboxes("Channel is any of", choices=_options(TICKET_CHANNELS))
    words = StringField("Subject or message contains any of", validators=[Length(max=2000)],
                        description="Words or phrases, separated by commas: refund, money back, return.")
    tags = StringField("Has any of these tags", validators=[Length(max=900)], description="Separated by commas.")
    stages = Checkboxes("Customer's lifecycle stage is any of", choices=_options(STAGES))
    flags = Checkboxes("Customer has any of these flags", choices=flag_options())
    segments = Checkboxes("Customer's segment is any of", choices=_options(SEGMENTS))
    cart_min = StringField("Cart value at least", validators=[Length(max=20)])
    cart_max = StringField("Cart value at most", validators=[Length(max=20)])
    group_id = SelectField("Set group", choices=[], validate_choice=False)
    priority = SelectField("Set priority",
                           choices=_options(TICKET_PRIORITIES, ("", "Leave as it is")))
    add_tags = StringField("Add tags", validators=[Length(max=900)], description="Separated by commas.")
    assignee = SelectField("Assign to", choices=[], validate_choice=False)
    # The test panel's sample ticket.
    sample_subject = StringField("Subject", validators=[Optional(), Length(max=200)])
    sample_body = TextAreaField("Message", validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    sample_channel = SelectField("Channel", choices=_options(TICKET_CHANNELS))
    sample_email = StringField("Customer's email", validators=[Optional(), Length(max=254)],
                               description="A known customer's stage, flags, segment and cart are used.")

    def fill_choices(self) -> None:
        self.group_id.choices = [SelectChoice("", "Leave as it is")] + [
            SelectChoice(str(g.id), g.name) for g in groups.all_groups()]
        self.assignee.choices = [SelectChoice("", "Leave unassigned"),
                                 SelectChoice(ROUND_ROBIN, "Next available member of the group")] + _team_options()


def _team_options() -> list[SelectChoice]:
    return [SelectChoice(str(m.id), m.display_name) for m in presence.team()]


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _spec(form: RuleForm) -> RuleSpec:
    return RuleSpec(name=form.name.data or "", stop=form.stop.data, active=form.active.data, conditions={
        "channels": form.channels.data, "words": _split(form.words.data), "tags": _split(form.tags.data),
        "stages": form.stages.data, "flags": form.flags.data, "segments": form.segments.data,
        "cart_min": form.cart_min.data, "cart_max": form.cart_max.data,
    }, actions={"group_id": form.group_id.data or None, "priority": form.priority.data or None,
                "add_tags": _split(form.add_tags.data), "assignee": form.assignee.data or None})


def _form_for(rule) -> RuleForm:
    c, a = rule.conditions, rule.actions
    form = RuleForm(data={
        "name": rule.name, "active": rule.active, "stop": rule.stop, "channels": c.get("channels", []),
        "words": ", ".join(c.get("words", [])), "tags": ", ".join(c.get("tags", [])), "stages": c.get("stages", []),
        "flags": c.get("flags", []), "segments": c.get("segments", []), "cart_min": c.get("cart_min"),
        "cart_max": c.get("cart_max"), "group_id": str(a.get("group_id") or ""), "priority": a.get("priority") or "",
        "add_tags": ", ".join(a.get("add_tags", [])), "assignee": str(a.get("assignee") or "")})
    return form


def _edit_page(form: RuleForm, rule_id: int | None, status: int = 200, result=None):
    form.fill_choices()
    return render_template("console/settings/routing_rule.html", form=form, rule_id=rule_id, result=result,
                           groups={g.id: g.name for g in groups.all_groups()},
                           team={m.id: m.display_name for m in presence.team()}, label=_label), status


def _show_error(form: RuleForm, exc: DomainError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is None:
        form.form_errors.append(exc.message)
    else:
        target.errors = [*target.errors, exc.message]


@admin_required
def routing_rules():
    """Settings › Routing: the rules in the order they are evaluated."""
    return render_template("console/settings/routing.html", rules=routing.all_rules(), form=FlaskForm(),
                           groups={g.id: g.name for g in groups.all_groups()},
                           team={m.id: m.display_name for m in presence.team()}, label=_label)


@admin_required
def routing_rule(rule_id: int | None = None):
    """A rule's form (GET), saved (POST, button save) or tested against the sample (button test)."""
    if request.method == "GET":
        if rule_id is None:
            form = RuleForm(data={"active": True})
        else:
            try:
                form = _form_for(routing.get_rule(rule_id))
            except NotFoundError:
                abort(404)
        return _edit_page(form, rule_id)
    form = RuleForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _edit_page(form, rule_id, 400)
    try:
        if request.form.get("action") == "test":
            result = routing.try_rule(_spec(form), Sample(form.sample_subject.data or "", form.sample_body.data or "",
                                                           form.sample_channel.data, form.sample_email.data or None))
            return _edit_page(form, rule_id, result=result)
        routing.save_rule(_spec(form), rule_id=rule_id, by=current_actor())
    except NotFoundError:
        abort(404)
    except DomainError as exc:
        _show_error(form, exc)
        return _edit_page(form, rule_id, exc.status)
    flash("Routing rule saved.", "success")
    return redirect(url_for("console.routing_rules"))


@admin_required
def routing_rule_action(rule_id: int, action: str):
    """Move a rule up or down, or delete it."""
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("console.routing_rules"))
    try:
        if action == "delete":
            routing.delete_rule(rule_id, by=current_actor())
            flash("Routing rule deleted.", "success")
        elif action in ("up", "down"):
            routing.move_rule(rule_id, -1 if action == "up" else 1, by=current_actor())
    except NotFoundError:
        abort(404)
    return redirect(url_for("console.routing_rules"))


class GroupForm(FlaskForm):
    name = StringField("Group name", validators=[Length(max=80)])
    members = Checkboxes("Members", choices=[], validate_choice=False)


def _groups_page(form: GroupForm, status: int = 200, editing: int | None = None):
    form.members.choices = _team_options()
    return render_template("console/settings/groups.html", groups=groups.groups_with_members(), form=form,
                           editing=editing), status


@admin_required
def groups_page():
    """Settings › Groups: the teams tickets are routed to, with their members."""
    return _groups_page(GroupForm(formdata=None))


@admin_required
def save_group(group_id: int | None = None):
    form = GroupForm()
    form.members.choices = _team_options()
    if form.validate_on_submit():
        try:
            groups.save_group(form.name.data or "", [int(m) for m in form.members.data], group_id=group_id,
                                     by=current_actor())
        except NotFoundError:
            abort(404)
        except DomainError as exc:
            form.name.errors = [exc.message]
        else:
            flash("Group saved.", "success")
            return redirect(url_for("console.groups_page"))
    return _groups_page(form, 400, editing=group_id)


def register(bp: Blueprint) -> None:
    """Add Settings › Routing and › Groups to the console blueprint."""
    bp.add_url_rule("/settings/routing", view_func=routing_rules, methods=["GET"])
    bp.add_url_rule("/settings/routing/new", endpoint="new_routing_rule", view_func=routing_rule,
                    methods=["GET", "POST"])
    bp.add_url_rule("/settings/routing/<int:rule_id>", view_func=routing_rule, methods=["GET", "POST"])
    bp.add_url_rule("/settings/routing/<int:rule_id>/<any(up, down, delete):action>", view_func=routing_rule_action,
                    methods=["POST"])
    bp.add_url_rule("/settings/groups", view_func=groups_page, methods=["GET"])
    bp.add_url_rule("/settings/groups", endpoint="create_group", view_func=save_group, methods=["POST"])
    bp.add_url_rule("/settings/groups/<int:group_id>", endpoint="update_group", view_func=save_group,
                    methods=["POST"])
