"""Public knowledge-base pages: home, categories, articles (with votes), search, and the sitemap.

Clean URLs per language (/help/en/articles/track-your-order); a visitor is known by an anonymous
cookie only, for "Was this helpful?" and for counting what a search led to.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, url_for

from app.extensions import limiter
from app.help_center.strings import language_name, offered_languages, translator
from app.services.errors import DomainError, NotFoundError
from app.services.knowledge import catalogue, search

VISITOR_COOKIE = "hc_visitor"
VISITOR_MAX_AGE = 365 * 24 * 3600


def visitor_key() -> str:
    """This browser's anonymous key (a new one is set on the response)."""
    key = request.cookies.get(VISITOR_COOKIE, "")
    if not (16 <= len(key) <= 64 and key.isalnum()):
        key = g.setdefault("new_visitor_key", secrets.token_hex(16))
    return key


def set_visitor_cookie(response):
    """after_request: give this browser the anonymous key that visitor_key() made for it."""
    if "new_visitor_key" in g:
        response.set_cookie(VISITOR_COOKIE, g.new_visitor_key, max_age=VISITOR_MAX_AGE, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def _page(template: str, lang: str, status: int = 200, **context):
    if lang not in offered_languages():
        abort(404)
    return render_template(template, lang=lang, t=translator(lang), languages=offered_languages(),
                           language_name=language_name, shop_name=current_app.config["HELPDESK_SHOP_NAME"],
                           **context), status


def kb_home(lang: str):
    """A language's front page: search, and every category with its first articles."""
    categories = catalogue.categories(lang) if lang in offered_languages() else []
    return _page("help_center/kb_home.html", lang, categories=categories)


def show_category(lang: str, slug: str):
    """One category: its sections and all their articles."""
    try:
        page = catalogue.category(lang, slug)
    except NotFoundError:
        abort(404)
    return _page("help_center/kb_category.html", lang, page=page)


def show_article(lang: str, slug: str):
    """An article, counted as read (and as the click of the search it came from, `?s=`)."""
    if lang not in offered_languages():
        abort(404)
    try:
        article = catalogue.article(lang, slug)
    except NotFoundError:
        abort(404)
    source = request.args.get("src", "help_center")[:16]
    widget_visitor = search.widget_visitor_key(request.args.get("wv")) if source == "widget" else None
    asked = (request.args.get("wq", ""), request.args.get("wn", 1, type=int)) if widget_visitor else None
    search.record_view(article, visitor_key=widget_visitor or visitor_key(), source=source,
                          search_id=request.args.get("s", type=int), asked=asked)
    return _page("help_center/kb_article.html", lang, article=article,
                 translations=catalogue.translations(article), related=catalogue.related(article),
                 voted=request.args.get("voted"))


@limiter.limit("30 per minute")
def vote_article(lang: str, slug: str):
    """"Was this helpful?": yes or no, one vote per visitor (a second replaces the first).
    JSON for the page's script, a redirect back without it."""
    try:
        article = catalogue.article(lang, slug)
    except NotFoundError:
        abort(404)
    helpful = request.form.get("helpful") == "yes"
    up, down = search.vote(article.id, visitor_key=visitor_key(), helpful=helpful)
    if request.accept_mimetypes.best == "application/json":
        return {"helpful": up, "not_helpful": down, "message": translator(lang)("thanks_vote")}
    return redirect(url_for("help_center.show_article", lang=lang, slug=slug, voted=1) + "#vote")


def search_page(lang: str):
    """Results with highlighted passages and "did you mean"; the search is logged."""
    if lang not in offered_languages():
        abort(404)
    query = request.args.get("q", "")
    error = answer = None
    try:
        answer = search.search_articles(query, language=lang, source=request.args.get("src", "help_center"),
                                           visitor_key=visitor_key())
    except search.SearchUnavailable:
        error = translator(lang)("search_unavailable")
    except DomainError:
        error = translator(lang)("query_too_long", n=500)
    articles = catalogue.by_ids(lang, [h.article_id for h in answer.hits]) if answer else {}
    return _page("help_center/kb_search.html", lang, 400 if error and not answer else 200, query=query[:500],
                 answer=answer, error=error, articles=articles)


def sitemap():
    """Every public article, for search engines."""
    body = render_template("help_center/sitemap.xml", pages=catalogue.sitemap(), languages=offered_languages())
    response = make_response(body)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    return response


def register(bp: Blueprint) -> None:
    """Add the knowledge-base pages and the visitor cookie to the help-center blueprint."""
    bp.after_request(set_visitor_cookie)
    bp.add_url_rule("/<string(length=2):lang>/", view_func=kb_home)
    bp.add_url_rule("/<string(length=2):lang>/categories/<slug>", view_func=show_category)
    bp.add_url_rule("/<string(length=2):lang>/articles/<slug>", view_func=show_article)
    bp.add_url_rule("/<string(length=2):lang>/articles/<slug>/vote", view_func=vote_article, methods=["POST"])
    bp.add_url_rule("/<string(length=2):lang>/search", view_func=search_page)
    bp.add_url_rule("/sitemap.xml", view_func=sitemap)
