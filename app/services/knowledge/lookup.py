"""The composer's knowledge-base lookup: an agent's search of public and internal articles, to
link one in a reply (public) or read it (internal). Not logged as a customer search."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Article
from app.services.knowledge import search

LOOKUP_LIMIT = 8


@dataclass(frozen=True)
class ArticleLink:
    article_id: int
    slug: str
    title: str
    snippet: str  # plain text
    language: str
    internal: bool


def lookup_articles(text: str | None, *, language: str | None = None, limit: int = LOOKUP_LIMIT) -> list[ArticleLink]:
    """Called by the console's /kb/lookup: the best published articles of one language (the first
    offered when None) for what an agent typed, internal ones included, best first.

    Raises DomainError for an unknown language or an over-long query, SearchUnavailable while the
    index is rebuilt. Writes nothing (no KbSearch row: agents' look-ups would skew the reports).
    """
    language = search.check_language(language or current_app.config["HELPDESK_KB_LANGUAGES"][0])
    hits = search.search_articles(text, language=language, source="console", limit=limit, agents=True,
                                     log=False, complete_last=True).hits
    # The index knows no visibility per hit: read it from the source of truth.
    visibility = dict(db.session.execute(select(Article.id, Article.visibility)
                                         .where(Article.id.in_([h.article_id for h in hits]))).all())
    return [ArticleLink(h.article_id, h.slug, h.title, h.snippet, language, visibility.get(h.article_id) == "internal")
            for h in hits if h.article_id in visibility]
