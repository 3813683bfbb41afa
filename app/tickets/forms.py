"""Ticket forms: a reply or note, the properties (with the version they were loaded at), a new ticket,
the list's bulk update and a merge (its lookup and its confirmation)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.models.ticket import MAX_BODY_CHARS, MAX_SUBJECT_CHARS, TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES
from app.uploads import AttachmentsField

LABELS = {"new": "New", "open": "Open", "pending": "Pending", "on_hold": "On hold", "solved": "Solved",
          "closed": "Closed", "low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent",
          "question": "Question", "incident": "Incident", "problem": "Problem", "task": "Task",
          "help_center": "Help center", "widget": "Widget", "chat": "Chat", "agent": "By an agent", "api": "API",
          "email": "Email"}


def _choices(values) -> list[SelectChoice]:
    return [SelectChoice(v, LABELS[v]) for v in values]


class SaveViewForm(FlaskForm):
    """Save the list's current filters as one of the agent's views (the filters ride along as hidden fields)."""

    name = StringField("Save as a view named", validators=[DataRequired("Give the view a name."), Length(max=60)])


class ReplyForm(FlaskForm):
    body = TextAreaField("Reply", validators=[DataRequired("Write something first."), Length(max=MAX_BODY_CHARS)],
                         render_kw={"rows": 5})
    internal = BooleanField("Internal note (agents only)")
    status_after = SelectField("Then set the ticket to", choices=_choices(("pending", "open", "on_hold", "solved")),
                               default="pending")
    attachments = AttachmentsField()


class PropertiesForm(FlaskForm):
    status = SelectField("Status", choices=_choices(TICKET_STATUSES))
    priority = SelectField("Priority", choices=_choices(TICKET_PRIORITIES))
    type = SelectField("Type", choices=_choices(TICKET_TYPES))
    assignee_id = SelectField("Assignee", coerce=str)
    group_id = SelectField("Group", coerce=str)
    tags = StringField("Tags", validators=[Length(max=500)], description="Separated by commas.")
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])

    def changes(self) -> dict:
        """The service's changes from the submitted values (empty choice = nobody)."""
        def ident(value: str) -> int | None:
            return int(value) if value else None

        return {"status": self.status.data, "priority": self.priority.data, "type": self.type.data,
                "assignee_id": ident(self.assignee_id.data), "group_id": ident(self.group_id.data),
                "tags": [t for t in (self.tags.data or "").split(",") if t.strip()]}


class NewTicketForm(FlaskForm):
    email = EmailField("Customer's email", validators=[DataRequired("Enter the customer's email."), Length(max=254)])
    name = StringField("Customer's name", validators=[Optional(), Length(max=200)])
    subject = StringField("Subject", validators=[DataRequired("Enter a subject."), Length(max=MAX_SUBJECT_CHARS)])
    body = TextAreaField("What the customer needs", validators=[DataRequired("Describe the request."),
                                                               Length(max=MAX_BODY_CHARS)], render_kw={"rows": 6})
    priority = SelectField("Priority", choices=_choices(TICKET_PRIORITIES), default="normal")
    client_key = HiddenField()


def _keep(values) -> list[SelectChoice]:
    return [SelectChoice("", "Keep as is")] + _choices(values)


def _tag_list(value: str | None) -> list[str]:
    return [t for t in (value or "").split(",") if t.strip()]


class BulkForm(FlaskForm):
    """The ticket list's bulk bar. Rows post "id:version" (the version the list showed, so a change
    made meanwhile to a field being set is a conflict); every row also posts itself in on_page, which
    counts as selected when "Select all on this page" is ticked (this works without JavaScript)."""

    tickets = SelectMultipleField("Select", coerce=str, validate_choice=False)
    on_page = SelectMultipleField(coerce=str, validate_choice=False)
    all_on_page = BooleanField("Select all on this page")
    # Left out of a POST (a script, not the page) is "Keep as is" too.
    assignee_id = SelectField("Assignee", coerce=str, default="")
    status = SelectField("Status", choices=_keep(TICKET_STATUSES), default="")
    priority = SelectField("Priority", choices=_keep(TICKET_PRIORITIES), default="")
    group_id = SelectField("Group", coerce=str, default="")
    add_tags = StringField("Add tags", validators=[Length(max=500)])
    remove_tags = StringField("Remove tags", validators=[Length(max=500)])

    @classmethod
    def with_choices(cls, team, groups, me: int, **kwargs) -> BulkForm:
        """The form with the team and the groups to choose from ("none": nobody / no group)."""
        form = cls(**kwargs)
        form.assignee_id.choices = [SelectChoice("", "Keep as is"), SelectChoice("none", "Nobody")] + [
            SelectChoice(str(m.id), f"{m.display_name}{' (you)' if m.id == me else ''}") for m in team]
        form.group_id.choices = [SelectChoice("", "Keep as is"), SelectChoice("none", "No group")] + [
            SelectChoice(str(g.id), g.name) for g in groups]
        return form

    def _pairs(self) -> list[str]:
        return list(self.on_page.data or []) if self.all_on_page.data else list(self.tickets.data or [])

    def validate_tickets(self, field) -> None:
        for pair in self._pairs():
            ident, _, version = pair.partition(":")
            if not (ident.isdigit() and version.isdigit()):
                raise ValidationError("That selection is not valid: reload the page and select again.")

    def selection(self) -> dict[int, int]:
        """The selected tickets, id → the version the list showed (after validation)."""
        pairs = (pair.partition(":") for pair in self._pairs())
        return {int(i): int(v) for i, _, v in pairs if i.isdigit() and v.isdigit()}

    def changes(self) -> dict:
        """The service's changes: only what was chosen ("Keep as is" leaves a field alone)."""
        changes = {name: getattr(self, name).data for name in ("status", "priority") if getattr(self, name).data}
        for name in ("assignee_id", "group_id"):
            value = getattr(self, name).data
            if value:
                changes[name] = None if value == "none" else int(value)
        for name in ("add_tags", "remove_tags"):
            if _tag_list(getattr(self, name).data):
                changes[name] = _tag_list(getattr(self, name).data)
        return changes


class MergeLookupForm(FlaskForm):
    """The ticket page's "Merge into…": which ticket (a GET: it only leads to the review)."""

    class Meta:
        csrf = False

    into = IntegerField("Merge into ticket number", validators=[InputRequired("Enter the number of a ticket."),
                                                                 NumberRange(min=1, message="Enter a ticket number.")])


class MergeForm(FlaskForm):
    """The merge's confirmation (POST, CSRF-checked)."""

    into = IntegerField(widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)])
    different_requesters_ok = BooleanField("Merge anyway")
