"""The survey an email links to (/help/survey/<id>/<signature>): the link is the key, no sign-in.
Opening it never answers (mail scanners open links too): the page preselects the rating the
email's link chose and the customer confirms, with a comment if they like."""

from __future__ import annotations

from flask import Blueprint, request

from app.help_center.forms import SurveyForm
from app.help_center.my_requests import _customer, _page
from app.services import survey_answers
from app.services.errors import ConflictError, DomainError
from app.services.feedback import surveys
from app.services.feedback.surveys import Answer


def _signed_in_id() -> int | None:
    customer = _customer()
    return customer.id if customer is not None else None


def survey(survey_id: int, signature: str):
    """GET: the question (404 for a forged link; 403 for a help-center visitor signed in as
    someone else). POST: the answer, once; a second, different one is refused with a 409."""
    found = surveys.by_link(survey_id, signature, signed_in_customer_id=_signed_in_id())
    if found.answered and request.method == "GET":
        return _page("help_center/survey_done.html", survey=found, again=True)
    form = SurveyForm()
    if request.method == "GET" and request.args.get("rating") in ("good", "bad"):
        form.rating.data = request.args["rating"]
    if request.method == "POST" and form.validate_on_submit():
        try:
            answer = Answer(form.rating.data, None, form.comment.data)
            answered = survey_answers.answer_by_link(survey_id, signature, answer,
                                                     signed_in_customer_id=_signed_in_id())
        except ConflictError as exc:
            return _page("help_center/survey_done.html", 409, survey=surveys.by_link(survey_id, signature),
                         again=True, error=exc.message)
        except DomainError as exc:
            form.rating.errors = [exc.message]
        else:
            return _page("help_center/survey_done.html", survey=answered, again=False)
    status = 400 if request.method == "POST" else 200
    return _page("help_center/survey.html", status, form=form, survey=found, question=surveys.QUESTIONS[found.kind])


def register(bp: Blueprint) -> None:
    """Add the emailed survey's page to the help-center blueprint."""
    bp.add_url_rule("/survey/<int:survey_id>/<signature>", view_func=survey, methods=["GET", "POST"])
