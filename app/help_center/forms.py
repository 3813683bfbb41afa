"""The help center's request form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.models.ticket import MAX_BODY_CHARS, MAX_SUBJECT_CHARS
from app.services.feedback.surveys import MAX_COMMENT_CHARS
from app.uploads import AttachmentsField


class RequestForm(FlaskForm):
    """Submit a request: who is asking, and what about. client_key makes a double submit one ticket."""

    name = StringField("Your name", validators=[Optional(), Length(max=200)])
    email = EmailField("Your email", validators=[DataRequired("Enter your email, so that we can answer."),
                                                 Length(max=254)])
    subject = StringField("Subject", validators=[DataRequired("Tell us in a few words what it is about."),
                                                 Length(max=MAX_SUBJECT_CHARS)])
    body = TextAreaField("How can we help?", validators=[DataRequired("Describe your question or problem."),
                                                        Length(max=MAX_BODY_CHARS)], render_kw={"rows": 7},
                         description="An order number helps us find your order quickly.")
    attachments = AttachmentsField("Attach files (optional)")
    client_key = HiddenField()


class SignInForm(FlaskForm):
    """My requests: the address a one-time sign-in link is sent to."""

    email = EmailField("Your email", validators=[DataRequired("Enter the email address you wrote to us from."),
                                                 Length(max=254)])


class ConfirmForm(FlaskForm):
    """The button behind a sign-in link (a GET never uses a link: mail scanners open links too)."""


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write your reply first."),
                                                   Length(max=MAX_BODY_CHARS)], render_kw={"rows": 5})
    attachments = AttachmentsField("Attach files (optional)")
    client_key = HiddenField()


class SignOutForm(FlaskForm):
    """Sign out of My requests."""


class SurveyForm(FlaskForm):
    """The survey an email links to: good or bad, and an optional comment."""

    rating = RadioField("How would you rate the support you received?",
                        choices=[SelectChoice("good", "Good"), SelectChoice("bad", "Bad")],
                        validators=[InputRequired("Choose good or bad.")])
    comment = TextAreaField("Anything you would like to add? (optional)",
                            validators=[Optional(), Length(max=MAX_COMMENT_CHARS)], render_kw={"rows": 4})
