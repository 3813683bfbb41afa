"""Ticket forms: a reply or note, the properties (with the version they were loaded at), a new ticket."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

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
