"""Customer list filters (a GET form, no CSRF: it changes nothing) and the erase confirmation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, SearchField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.models import FLAGS, SEGMENTS, STAGES
from app.services.customers.queries import CustomerFilter

FLAG_LABELS = {"at_risk": "At risk", "churned": "Churned", "reactivated": "Reactivated", "vip": "VIP",
               "promoter": "Promoter", "passive": "Passive", "detractor": "Detractor"}


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _choices(anything: str, labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice("", anything), *(SelectChoice(value, label) for value, label in labels.items())]


class CustomerFilterForm(Form):
    """Filters of the customer list; a value that is not a choice is ignored, not an error."""

    q = SearchField("Name or email", validators=[Length(max=100)])
    stage = SelectField("Stage", choices=_choices("All stages", {s: _label(s) for s in STAGES}), default="")
    flag = SelectField("Flag", choices=_choices("Any flag", {f: FLAG_LABELS[f] for f in FLAGS}), default="")
    segment = SelectField("Segment", choices=_choices("All segments", {s: _label(s) for s in SEGMENTS}), default="")

    def _choice(self, name: str) -> str | None:
        field = getattr(self, name)
        return field.data if field.data in {choice.value for choice in field.choices if choice.value} else None

    def to_filter(self) -> CustomerFilter:
        """The service's filter from the valid values."""
        search = (self.q.data or "").strip()[:100] or None
        return CustomerFilter(stage=self._choice("stage"), flag=self._choice("flag"),
                              segment=self._choice("segment"), search=search)

    def query_args(self) -> dict:
        """The active filters as query-string arguments (for the page links)."""
        chosen = self.to_filter()
        return {k: v for k, v in (("q", chosen.search), ("stage", chosen.stage), ("flag", chosen.flag),
                                  ("segment", chosen.segment)) if v}


def erase_phrase(customer) -> str:
    """What the admin types to confirm an erasure: the email, or else the customer's number."""
    return customer.email or str(customer.id)


class EraseForm(FlaskForm):
    """Erase a customer: the admin retypes the email (or number) so that a slip cannot erase."""

    confirmation = StringField("Type to confirm", validators=[DataRequired("Type the value shown to confirm.")])

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.confirmation.description = f"Type \u201c{expected}\u201d to confirm."

    def validate_confirmation(self, field) -> None:
        if (field.data or "").strip().lower() != self.expected.lower():
            raise ValidationError("That does not match. Nothing was erased.")
