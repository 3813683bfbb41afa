"""/api/v1/widget/surveys: the widget asks the visitor how their chat went (CSAT) and sends the
answer. Authenticated by the chat's visitor token (`Authorization: Bearer <token>`, never a
cookie, so CSRF does not apply); another visitor's survey is a 404 like a missing one."""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from app.api.auth import bearer_secret
from app.api.blueprint import Blueprint
from app.api.schemas import MAX_ID
from app.extensions import csrf
from app.models.survey import CSAT_RATINGS, SURVEY_KINDS
from app.services import survey_answers
from app.services.access import visitor_tokens
from app.services.errors import NotFoundError
from app.services.feedback import surveys
from app.services.feedback.surveys import MAX_COMMENT_CHARS, Answer

bp = Blueprint("widget_surveys", __name__, url_prefix="/api/v1/widget/surveys",
               description="Feedback surveys for the widget's visitor. Authenticated by the visitor token.")
csrf.exempt(bp)


class SurveyQuerySchema(Schema):
    conversation_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class SurveyAnswerSchema(Schema):
    rating = fields.String(validate=validate.OneOf(CSAT_RATINGS), load_default=None,
                           metadata={"description": "A CSAT survey's answer."})
    score = fields.Integer(strict=True, validate=validate.Range(min=0, max=10), load_default=None,
                           metadata={"description": "An NPS survey's answer, 0 to 10."})
    comment = fields.String(validate=validate.Length(max=MAX_COMMENT_CHARS), load_default=None, allow_none=True)


class SurveyOutSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SURVEY_KINDS))
    question = fields.String(required=True)
    conversation_id = fields.Integer(allow_none=True)
    answered = fields.Boolean(required=True)
    rating = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    answered_at = fields.String(allow_none=True, metadata={"description": "ISO 8601, UTC."})


class SurveyListSchema(Schema):
    surveys = fields.List(fields.Nested(SurveyOutSchema), required=True)


@bp.before_request
def read_token():
    """Who is asking: the visitor token from the Authorization header (401 without a valid one)."""
    g.visitor = visitor_tokens.read_visitor_token(bearer_secret())


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("", methods=["GET"])
@bp.arguments(SurveyQuerySchema, location="query")
@bp.response(200, SurveyListSchema)
def list_surveys(query: dict):
    """The surveys about one of the visitor's conversations (answered or not); none for another's."""
    found = surveys.visitor_surveys(g.visitor, query["conversation_id"])
    return {"surveys": [surveys.payload(s) for s in found]}


@bp.route("/<int:survey_id>/answer", methods=["POST"])
@bp.arguments(SurveyAnswerSchema)
@bp.response(200, SurveyOutSchema)
@bp.alt_response(409, description="Answered already with a different answer: the first one counts.")
def post_answer(body: dict, survey_id: int):
    """Answer a survey: `rating` (good or bad) for CSAT, `score` (0 to 10) for NPS, and an optional
    comment. The same answer again is accepted as it stands; a different second answer is a 409."""
    if not 0 < survey_id <= MAX_ID:
        raise NotFoundError(surveys.NOT_FOUND)
    survey = survey_answers.answer_as_visitor(g.visitor, survey_id,
                                       Answer(body["rating"], body["score"], body["comment"]))
    return surveys.payload(survey)
