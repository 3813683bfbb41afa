"""Searching the knowledge base for customers and agents, and what they did with the results.

Searches are logged (what was asked, how many results, which one was opened) for the reports and
the content-gap backlog; search-as-you-type suggestions are not (every keystroke would be a row).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Article, ArticleVote, KbArticleView, KbContact, KbSearch, KbSynonymGroup
from app.models.article import SEARCH_SOURCES
from app.models.base import utcnow
from app.services.errors import DomainError, NotFoundError
from app.services.knowledge import index_sync
from knowledge_base import search as kb
from knowledge_base.index import IndexBusy, IndexMissing
from knowledge_base.query import MAX_QUERY_CHARS
from knowledge_base.synonyms import DEFAULT_SYNONYMS

PUBLIC = ("public",)
AGENTS = ("public", "internal")
CACHE_SECONDS = 15.0  # synonyms and votes: an admin's change reaches every process within this


class SearchUnavailable(DomainError):
    code = "search_unavailable"
    status = 503


@dataclass(frozen=True)
class SearchAnswer:
    hits: list[kb.Hit]
    suggestion: str | None
    search_id: int | None  # the log row, carried by result links so that a click is counted


def check_language(language: str | None) -> str:
    """The language asked for, or a DomainError naming the ones there are."""
    offered = current_app.config["HELPDESK_KB_LANGUAGES"]
    if language not in offered:
        raise DomainError(f"lang must be one of {', '.join(offered)}.", field="lang")
    return language


def _check_query(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise DomainError(f"q is longer than {MAX_QUERY_CHARS} characters.", field="q")
    return text


def _cached(key: str, build):
    """A per-process value rebuilt every CACHE_SECONDS (kept on the app, not in a module global)."""
    cache = current_app.extensions.setdefault("kb_search_cache", {})
    entry = cache.get(key)
    now = time.monotonic()
    if entry is None or now - entry[0] > CACHE_SECONDS:
        entry = cache[key] = (now, build())
    return entry[1]


def invalidate_cache() -> None:
    """Forget this process's synonyms and votes (after an admin's change, in tests)."""
    current_app.extensions.pop("kb_search_cache", None)


def synonyms_for(language: str) -> tuple[str, ...]:
    """The site's synonym groups for a language: the admin's, or the defaults until there are any."""
    def build():
        groups = tuple(db.session.scalars(select(KbSynonymGroup.terms).where(KbSynonymGroup.language == language)))
        return groups or DEFAULT_SYNONYMS.get(language, ())
    return _cached(f"synonyms:{language}", build)


def _helpful_boosts() -> dict[int, float]:
    """Articles customers voted on: from 0.9 (found unhelpful) to 1.1 (helpful), smoothed for few votes."""
    def build():
        rows = db.session.execute(select(Article.id, Article.helpful_count, Article.not_helpful_count)
                                  .where(Article.helpful_count + Article.not_helpful_count > 0))
        return {article_id: 0.9 + 0.2 * (up + 1) / (up + down + 2) for article_id, up, down in rows}
    return _cached("boosts", build)


def _run(function, text: str, language: str, **options):
    index = index_sync.knowledge_index()
    for attempt in range(2):
        try:
            return function(index, text, language=language, synonyms=synonyms_for(language),
                            boosts=_helpful_boosts(), **options)
        except IndexMissing:
            if attempt:
                break
            try:  # first search since the index was lost or the schema changed: rebuild this language
                index_sync.reindex([language])
            except IndexBusy:
                break
    raise SearchUnavailable("Search is being rebuilt; try again in a moment.")


def search_articles(text: str | None, *, language: str, source: str, visitor_key: str | None = None,
                    limit: int = 10, agents: bool = False, log: bool = True,
                    complete_last: bool = False) -> SearchAnswer:
    """Search one language's published articles (internal ones too for agents) and log the search.

    Raises DomainError for an unknown language or an over-long query; SearchUnavailable while the
    index cannot be read. An empty query finds nothing and is not logged. With `complete_last` the
    last word may be incomplete (a search box that answers as the agent types).
    """
    check_language(language)
    text = _check_query(text)
    if not text:
        return SearchAnswer([], None, None)
    result = _run(kb.search, text, language, limit=limit, visibility=AGENTS if agents else PUBLIC,
                  prefix_last=complete_last)
    search_id = None
    if log:
        row = KbSearch(language=language, query=text[:200], results=len(result.hits),
                       source=source if source in SEARCH_SOURCES else "api", visitor_key=visitor_key)
        db.session.add(row)
        db.session.commit()
        search_id = row.id
    return SearchAnswer(result.hits, result.suggestion, search_id)


def suggest_articles(text: str | None, *, language: str, limit: int = 5, agents: bool = False) -> list[kb.Hit]:
    """Search-as-you-type: the best articles for what has been typed so far (not logged)."""
    check_language(language)
    text = _check_query(text)
    if len(text) < 2:
        return []
    return _run(kb.suggest, text, language, limit=limit, visibility=AGENTS if agents else PUBLIC)


def widget_visitor_key(anonymous_id: str | None) -> str | None:
    """The key that ties a widget visitor's article reads to the chat they may start afterwards."""
    return f"w:{anonymous_id}"[:64] if anonymous_id else None


def note_contact(visitor_key: str | None, kind: str) -> None:
    """Add a contact to the caller's transaction (the chat service, when a chat starts)."""
    if visitor_key:
        db.session.add(KbContact(visitor_key=visitor_key[:64], kind=kind))


def record_view(article: Article, *, visitor_key: str | None, source: str, search_id: int | None = None,
                asked: tuple[str, int] | None = None) -> None:
    """Count a read; a read reached from a logged search by the same visitor is that search's click.

    `asked` is (what was typed, how many articles were suggested) for a suggestion followed from the
    widget, whose typing is not logged: the search is logged now, already clicked."""
    if asked and asked[0].strip():
        search = KbSearch(language=article.language, query=asked[0].strip()[:200], results=max(asked[1], 1),
                          source="widget", visitor_key=visitor_key)
        db.session.add(search)
        db.session.flush()
        search_id = search.id
    clicked = None
    if search_id:
        search = db.session.get(KbSearch, search_id)
        # The visitor who searched; a search logged without one (the API's) is claimed by its first reader.
        if search and search.clicked_article_id is None and search.visitor_key in (None, visitor_key):
            search.clicked_article_id, search.clicked_at = article.id, utcnow()
            clicked = search.id
    source = source if source in SEARCH_SOURCES else "help_center"
    db.session.add(KbArticleView(article_id=article.id, visitor_key=visitor_key, source=source, search_id=clicked))
    # A plain UPDATE: not an edit (the version and updated_at stay, the index is not touched).
    db.session.execute(update(Article).where(Article.id == article.id)
                       .values(views=Article.views + 1, updated_at=Article.updated_at)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def vote(article_id: int, *, visitor_key: str, helpful: bool) -> tuple[int, int]:
    """A visitor's "Was this helpful?": one vote per visitor and article (a second one replaces the
    first, a repeat changes nothing). Returns the article's (helpful, not helpful) counts."""
    article = db.session.get(Article, article_id)
    if article is None or not article.is_published:
        raise NotFoundError("No such article.")
    existing = db.session.scalar(select(ArticleVote).where(ArticleVote.article_id == article_id,
                                                           ArticleVote.visitor_key == visitor_key))
    if existing is None:
        db.session.add(ArticleVote(article_id=article_id, visitor_key=visitor_key, helpful=helpful))
    else:
        existing.helpful = helpful
    db.session.flush()
    up, down = recount_votes(article_id)
    db.session.commit()
    return up, down


def recount_votes(article_id: int) -> tuple[int, int]:
    """Store an article's (helpful, not helpful) counts from its votes (the caller commits); a plain
    UPDATE, not an edit: the version and updated_at stay, the index is not touched."""
    counts = dict(db.session.execute(select(ArticleVote.helpful, func.count()).where(
        ArticleVote.article_id == article_id).group_by(ArticleVote.helpful)).all())
    up, down = counts.get(True, 0), counts.get(False, 0)
    db.session.execute(update(Article).where(Article.id == article_id)
                       .values(helpful_count=up, not_helpful_count=down, updated_at=Article.updated_at)
                       .execution_options(synchronize_session=False))
    return up, down


def record_contact(visitor_key: str | None, kind: str) -> None:
    """A visitor of the help center asked a person (kind "ticket" or "chat"): the searches and
    reads before it, within the deflection window, did not answer them."""
    if not visitor_key:
        return
    note_contact(visitor_key, kind)
    db.session.commit()
