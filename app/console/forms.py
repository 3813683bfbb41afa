"""Console forms (Flask-WTF)."""

from datetime import UTC, datetime, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from app.help_center.strings import language_name
from app.models.article import STATUSES
from app.models.canned_response import MAX_SHORTCUT_CHARS, MAX_TITLE_CHARS
from app.models.conversation import MAX_BODY_CHARS
from app.services.access.passwords import MAX_LENGTH, MIN_LENGTH
from app.services.knowledge import articles
from app.services.knowledge.articles import ArticleInput
from app.services.knowledge.canned_responses import Draft
from app.services.knowledge.editor import ArticleFilter

ROLE_CHOICES = [SelectChoice("agent", "Agent"), SelectChoice("admin", "Admin")]


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class NewAgentForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired("Enter an email."), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="agent")
    mode = RadioField(
        "How they join",
        choices=[SelectChoice("invite", "Send an invitation link"), SelectChoice("password", "Set a password now")],
        default="invite",
    )
    password = PasswordField(
        "Password", validators=[Optional(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=f"Only when setting a password now. At least {MIN_LENGTH} characters.",
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Key name", validators=[DataRequired("Name the key."), Length(max=80)],
        description="Where the key is used, for example \u201cShop server\u201d.",
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    password = PasswordField(
        "New password", validators=[DataRequired("Choose a password."), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=f"At least {MIN_LENGTH} characters. Your other sessions will be signed out.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the password."), EqualTo("password", "The passwords differ.")],
    )


class CannedResponseForm(FlaskForm):
    """A canned response (the service checks the shortcut's form and the placeholders); `version`
    is the one the editor opened, so that a colleague's later change is not overwritten unseen."""

    # Lengths and the shortcut's form are checked by the service, with its messages; a browser
    # sends the body's line breaks as two characters where the service counts one.
    title = StringField("Title", validators=[DataRequired("Enter a title.")],
                        description="What agents see in the list, for example \u201cShipping times\u201d.",
                        render_kw={"maxlength": MAX_TITLE_CHARS})
    shortcut = StringField(
        "Shortcut", validators=[DataRequired("Enter a shortcut.")],
        description=f"Type / and the shortcut in an empty reply to find it: up to {MAX_SHORTCUT_CHARS} "
                    "lower-case letters, digits, - and _.",
    )
    body = TextAreaField("Text", validators=[DataRequired("Write the text of the response.")],
                         description="Plain text. The placeholders listed below are filled in for the "
                                     "customer when an agent inserts the response.",
                         render_kw={"rows": 8, "maxlength": MAX_BODY_CHARS})
    version = HiddenField()

    def draft(self) -> Draft:
        return Draft(title=self.title.data or "", shortcut=self.shortcut.data or "", body=self.body.data or "")

    def opened_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


def _number(label: str, low, high, hint: str, field=IntegerField, **kwargs):
    return field(
        label, validators=[InputRequired("Enter a number."), NumberRange(low, high, f"Between {low} and {high}.")],
        description=hint, **kwargs,
    )


def _bands(label: str, hint: str) -> StringField:
    return StringField(label, validators=[InputRequired("Enter four numbers."), Length(max=80)], description=hint)


class LifecycleRulesForm(FlaskForm):
    """The thresholds of LifecycleRules (Settings › Lifecycle); ranges are checked here."""

    post_purchase_days = _number("Post-purchase window (days)", 1, 365,
                                 "A first order keeps a customer in conversion this long; then retention.")
    loyalty_min_orders = _number("Loyalty: orders", 2, 1000, "This many orders make a customer loyal…")
    loyalty_min_value = _number("Loyalty: lifetime value", 1, 10_000_000,
                                "…or this much spent, in the shop's currency.")
    promoter_min_score = _number("NPS promoter score", 0, 10, "A buyer answering NPS with at least this is loyal.")
    frequent_min_orders = _number("Frequent customer: orders", 2, 1000,
                                  "The segment for customers with this many orders.")
    default_order_interval_days = _number(
        "Usual interval for one-order customers (days)", 1, 730,
        "With one order there is no interval of their own yet; at-risk uses this one.")
    at_risk_factor = _number("At risk after (× usual interval)", 1, 20,
                             "At risk when the last order is older than this many usual intervals.",
                             field=DecimalField, places=1, render_kw={"step": "0.1"})
    churn_days = _number("Churned after (days without an order)", 30, 3650,
                         "Longer than the post-purchase window. A later order marks them reactivated.")
    vip_min_rfm = _number("VIP: RFM total", 3, 15,
                          "Recency, frequency and monetary scores (1–5 each) adding up to this.")
    recency_days = _bands("Recency bands (days since last order)",
                          "Four increasing numbers, for example 30, 90, 180, 365: scores 5, 4, 3, 2; older scores 1.")
    frequency_orders = _bands("Frequency bands (orders)",
                              "Four increasing numbers, for example 2, 3, 5, 8: reaching each adds a point to 1.")
    monetary_values = _bands("Monetary bands (lifetime value)",
                             "Four increasing numbers, for example 100, 250, 500, 1000: reaching each adds a point.")

    def validate_churn_days(self, field) -> None:
        if self.post_purchase_days.data is not None and field.data is not None \
                and field.data <= self.post_purchase_days.data:
            raise ValidationError("Must be longer than the post-purchase window.")

    def _validate_bands(self, field) -> None:
        try:
            values = [int(part) for part in (field.data or "").replace(";", ",").split(",")]
        except ValueError:
            raise ValidationError("Use whole numbers separated by commas.") from None
        if len(values) != 4 or any(v < 0 for v in values) or values != sorted(set(values)):
            raise ValidationError("Give four different, increasing, non-negative numbers.")
        field.bands = tuple(values)

    validate_recency_days = validate_frequency_orders = validate_monetary_values = _validate_bands

    def rules_data(self) -> dict:
        """The validated values, as LifecycleRules.from_dict takes them."""
        data = {name: self[name].data for name in self._fields if name != "csrf_token"}
        data["at_risk_factor"] = float(data["at_risk_factor"])
        for name in ("recency_days", "frequency_orders", "monetary_values"):
            data[name] = list(self[name].bands)
        return data


# --- Knowledge base -------------------------------------------------------------------------


def _language_choices(anything: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(code, f"{language_name(code)} ({code})") for code in articles.languages()]
    return [SelectChoice("", anything), *choices] if anything else choices


class ArticleFilterForm(Form):
    """Filters of the console's article list (a GET form: it changes nothing, so no CSRF); a value
    that is not a choice is ignored."""

    q = SearchField("Title contains", validators=[Length(max=200)])
    language = SelectField("Language", default="")
    status = SelectField("Status", choices=[SelectChoice("", "Any status"), SelectChoice("draft", "Draft"),
                                            SelectChoice("published", "Published")], default="")
    category = SelectField("Category", default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices("All languages")
        self.category.choices = [SelectChoice("", "All categories")]

    def set_categories(self, categories: list[tuple[str, str]]) -> None:
        """The category choices, (slug, name) as the list found them."""
        self.category.choices = [SelectChoice("", "All categories"), *(SelectChoice(s, n) for s, n in categories)]

    def to_filter(self) -> ArticleFilter:
        known = {"language": {c.value for c in self.language.choices}, "status": set(STATUSES)}
        return ArticleFilter(
            language=self.language.data if self.language.data in known["language"] else None,
            status=self.status.data if self.status.data in known["status"] else None,
            category=(self.category.data or "")[:120] or None, title=(self.q.data or "").strip()[:200] or None)

    @property
    def active(self) -> bool:
        chosen = self.to_filter()
        return any((chosen.language, chosen.status, chosen.category, chosen.title))


def _days_ago(days: int):
    return lambda: (datetime.now(UTC) - timedelta(days=days)).date()


def _date_given(form, field) -> None:
    # Not DataRequired: it would replace "Not a valid date value." with its own message.
    if field.data is None and not field.errors:
        raise ValidationError("Choose a date.")


class ReportFilterForm(Form):
    """Filters of the Reports and Content gaps tabs (GET, no CSRF): the days (UTC, both included;
    the last 30 by default) and the language; an unknown language means all."""

    start = DateField("From", default=_days_ago(29), validators=[_date_given])
    end = DateField("To", default=_days_ago(0), validators=[_date_given])
    language = SelectField("Language", default="", validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices("All languages")

    def to_range(self) -> dict:
        """The service's keyword arguments: start, end, language."""
        known = {c.value for c in self.language.choices if c.value}
        return {"start": self.start.data, "end": self.end.data,
                "language": self.language.data if self.language.data in known else None}


class GapDraftForm(FlaskForm):
    """"Start a draft" on a content gap: the group's label, language and example wordings."""

    label = HiddenField(validators=[DataRequired(), Length(max=200)])
    language = HiddenField(validators=[DataRequired(), Length(max=2)])
    examples = FieldList(HiddenField(validators=[Length(max=200)]), max_entries=5)


class ArticleForm(FlaskForm):
    """An article in the console's editor; the service checks the slug's form, the language and
    the lengths, with its messages. `version` is the one the editor opened (optimistic locking)."""

    title = StringField("Title", validators=[DataRequired("Give the article a title.")],
                        render_kw={"maxlength": 200})
    slug = StringField("Slug", validators=[DataRequired("Give the article a slug.")],
                       description="Its address in the help center: lowercase words joined by hyphens, like "
                                   "track-your-order. Translations share the slug.",
                       render_kw={"maxlength": 120, "spellcheck": "false"})
    language = SelectField("Language")
    category = StringField("Category", description="Pick one or type a new name.")
    section = StringField("Section", description="Optional: a group inside the category.")
    tags = StringField("Tags", description="Comma-separated, for example tracking, parcel. Search weighs them.")
    status = SelectField("Status", choices=[SelectChoice("draft", "Draft"), SelectChoice("published", "Published")],
                         default="draft", description="Drafts are seen only here, by agents.")
    visibility = SelectField("Visibility", choices=[SelectChoice("public", "Public"),
                                                    SelectChoice("internal", "Internal")], default="public",
                             description="Public: the help center and the widget. Internal: agents' search only.")
    body = TextAreaField("Article", description="Markdown: ## for a heading, - for a list, [text](https://…) "
                                                "for a link. Raw HTML shows as text.",
                         render_kw={"rows": 18, "spellcheck": "true"})
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()

    def to_input(self) -> ArticleInput:
        tags = dict.fromkeys(t.strip().lower() for t in (self.tags.data or "").split(",") if t.strip())
        return ArticleInput(
            title=self.title.data or "", slug=(self.slug.data or "").strip(), body=self.body.data or "",
            language=self.language.data or "", status=self.status.data or "draft",
            visibility=self.visibility.data or "public", category=self.category.data or "",
            section=self.section.data or "", tags=tuple(tags))

    def opened_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


def article_form_data(data: ArticleInput) -> dict:
    """An ArticleInput as the editor's form data (tags as comma-separated text)."""
    return {**data.__dict__, "tags": ", ".join(data.tags)}


class PreviewForm(FlaskForm):
    """The editor's Markdown, posted by js/kb_editor.js for the live preview (CSRF in a header)."""

    body = TextAreaField()


class SynonymsForm(FlaskForm):
    """One language's synonym groups (Settings › Knowledge base); one form a language, told apart by
    its prefix (the language code), so that the page has no two fields with one id or name."""

    synonyms = TextAreaField("Synonym groups", render_kw={"rows": 10, "spellcheck": "false"},
                             description="One group a line, its words or phrases separated by commas, like "
                                         "“refund, money back, reimburse”: searching for any finds the others. "
                                         "Leave it empty to use the built-in groups.")

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, prefix=language, **kwargs)
        self.synonyms.label.text = f"Synonym groups ({language})"


class PeriodForm(Form):
    """A report's days (GET, no CSRF; UTC, both included; the last 30 by default)."""

    start = DateField("From", default=_days_ago(29), validators=[_date_given])
    end = DateField("To", default=_days_ago(0), validators=[_date_given])
