"""/api/v1/kb: public knowledge-base search, for the help center, the widget and any shop page.

No API key (the articles are public) and no cookies read, so no CSRF; CORS allows any origin to
read the answers, which hold nothing private. Rate limited per client address. Only published,
public articles are ever returned.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from marshmallow import Schema, fields, validate

from app.api.blueprint import Blueprint
from app.extensions import csrf, limiter
from app.services.knowledge import search as kb_search
from app.services.knowledge.search import MAX_QUERY_CHARS

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1/kb",
               description="Search the published articles of the help center. Public, rate limited.")
csrf.exempt(bp)


class SearchArgsSchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=MAX_QUERY_CHARS), metadata={
        "description": "What the customer typed. Quotes make a phrase required; `word*` completes a word."})
    lang = fields.String(load_default=None, validate=validate.Length(equal=2), metadata={
        "description": "A language code the help center offers (default: its first language)."})
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class SuggestArgsSchema(SearchArgsSchema):
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=10))


class ResultSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    snippet = fields.String(required=True, metadata={"description": "The passage that matched, as plain text."})
    snippet_html = fields.String(required=True, metadata={
        "description": "The same passage HTML-escaped, matched words in <mark>: safe to insert as HTML."})
    url = fields.String(required=True)
    score = fields.Float(required=True)


class SearchOutSchema(Schema):
    results = fields.List(fields.Nested(ResultSchema), required=True)
    suggestion = fields.String(required=True, allow_none=True, metadata={
        "description": "The query with misspelled words corrected (\"did you mean\"), or null."})


class SuggestionSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)


class SuggestOutSchema(Schema):
    results = fields.List(fields.Nested(SuggestionSchema), required=True)


def _client_bucket() -> str:
    return f"kb-ip:{request.remote_addr}"


@bp.after_request
def public_cors(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response


def _language(args: dict) -> str:
    return kb_search.check_language(args["lang"] or current_app.config["HELPDESK_KB_LANGUAGES"][0])


def _url(language: str, slug: str, **params) -> str:
    return url_for("help_center.show_article", lang=language, slug=slug, _external=True, **params)


@bp.route("/search", methods=["GET"])
@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_KB_SEARCH"], key_func=_client_bucket)
@bp.arguments(SearchArgsSchema, location="query")
@bp.doc(security=[])
@bp.response(200, SearchOutSchema)
def search(args):
    """Ranked articles for a question, with snippets and a "did you mean" suggestion. An empty
    query finds nothing; an unknown language or a query over 500 characters is a 400 or 422."""
    language = _language(args)
    answer = kb_search.search_articles(args["q"], language=language, source="api", limit=args["limit"])
    extra = {"s": answer.search_id} if answer.search_id else {}
    return {"suggestion": answer.suggestion, "results": [
        {"slug": h.slug, "title": h.title, "snippet": h.snippet, "snippet_html": h.snippet_html,
         "url": _url(language, h.slug, **extra), "score": h.score} for h in answer.hits]}


@bp.route("/suggest", methods=["GET"])
@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_KB_SEARCH"], key_func=_client_bucket)
@bp.arguments(SuggestArgsSchema, location="query")
@bp.doc(security=[])
@bp.response(200, SuggestOutSchema)
def suggest(args):
    """Search-as-you-type: the best few articles for what has been typed so far (the last word may
    be incomplete). Not logged."""
    language = _language(args)
    hits = kb_search.suggest_articles(args["q"], language=language, limit=args["limit"])
    return {"results": [{"slug": h.slug, "title": h.title, "url": _url(language, h.slug)} for h in hits]}
