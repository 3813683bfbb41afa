"""Inbox list filters (a GET form: it changes nothing) and the status buttons' CSRF-protected form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectChoice, SelectField
from wtforms.validators import AnyOf

from app.models.conversation import CONVERSATION_STATUSES
from app.services.conversations.inbox import InboxFilter

ASSIGNEE_CHOICES = [SelectChoice("mine", "Mine"), SelectChoice("unassigned", "Unassigned"),
                    SelectChoice("all", "Everyone's")]
STATUS_CHOICES = [SelectChoice("open", "Open"), SelectChoice("pending", "Pending"),
                  SelectChoice("resolved", "Resolved"), SelectChoice("any", "Any status")]


class InboxFilterForm(Form):
    """Whose conversations and which status; a value that is not a choice falls back to the default."""

    assignee = SelectField("Assigned to", choices=ASSIGNEE_CHOICES, default="all")
    status = SelectField("Status", choices=STATUS_CHOICES, default="open")

    def _choice(self, name: str, default: str) -> str:
        field = getattr(self, name)
        return field.data if field.data in {choice.value for choice in field.choices} else default

    def to_filter(self) -> InboxFilter:
        """The service's filter from the valid values."""
        status = self._choice("status", "open")
        return InboxFilter(assignee=self._choice("assignee", "all"), status=None if status == "any" else status)

    def query_args(self) -> dict:
        """The chosen filters as query-string arguments (the list region's fetch URL)."""
        return {"assignee": self._choice("assignee", "all"), "status": self._choice("status", "open")}


class StatusForm(FlaskForm):
    """Resolve or reopen: the new status and the CSRF token."""

    status = HiddenField(validators=[AnyOf(CONVERSATION_STATUSES)])
