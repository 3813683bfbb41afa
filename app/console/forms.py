"""Console forms (Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.services.passwords import MAX_LENGTH, MIN_LENGTH

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
