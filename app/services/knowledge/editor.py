"""What the console's Knowledge base pages read: the filtered article list, one article with its
translations, the names editors pick from, and the preview of Markdown as the help center shows it.

Writes go through app/services/knowledge/articles.py (save_article, delete_article).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from app.extensions import db
from app.models import Article, KbCategory, KbSection
from app.models.article import MAX_BODY_CHARS
from app.services.errors import NotFoundError, TooLongError
from app.services.knowledge.articles import NOT_FOUND, ArticleInput, languages
from knowledge_base import rendering

LIST_LIMIT = 200  # a list, not a report: filters narrow it down


@dataclass(frozen=True)
class ArticleFilter:
    """The console list's filters; None (or "") means any."""

    language: str | None = None
    status: str | None = None
    category: str | None = None  # a category slug: the same name makes the same slug in every language
    title: str | None = None  # a part of the title, any case


@dataclass(frozen=True)
class ArticleList:
    articles: list[Article]
    categories: list[tuple[str, str]]  # (slug, name) of every category, for the filter
    truncated: bool  # more articles match than LIST_LIMIT


@dataclass(frozen=True)
class ArticleEditor:
    """The editor page: the article (None for a new one), what the form starts from, its
    translations (same slug, other languages, drafts too), the languages it lacks, and suggestions."""

    article: Article | None
    draft: ArticleInput
    translations: list[Article]
    missing_languages: list[str]
    category_names: list[str]
    section_names: list[str]


def list_articles(filters: ArticleFilter, *, limit: int = LIST_LIMIT) -> ArticleList:
    """Articles of every status and visibility matching the filters, most recently updated first."""
    # Not the bodies: a list of 200 long articles would read megabytes for nothing.
    query = select(Article).options(selectinload(Article.category), defer(Article.body),
                                    defer(Article.body_html))
    if filters.language:
        query = query.where(Article.language == filters.language)
    if filters.status:
        query = query.where(Article.status == filters.status)
    if filters.category:
        query = query.join(KbCategory, Article.category_id == KbCategory.id).where(KbCategory.slug == filters.category)
    if filters.title:
        query = query.where(func.lower(Article.title).contains(filters.title.strip().lower(), autoescape=True))
    rows = list(db.session.scalars(query.order_by(Article.updated_at.desc(), Article.id.desc()).limit(limit + 1)))
    return ArticleList(rows[:limit], _categories(), truncated=len(rows) > limit)


def _categories() -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    for slug, name in db.session.execute(select(KbCategory.slug, KbCategory.name)
                                         .order_by(KbCategory.language != languages()[0], KbCategory.name)):
        names.setdefault(slug, name)  # the default language's name, when it has one
    return sorted(names.items(), key=lambda item: item[1].lower())


def _names(column) -> list[str]:
    return sorted(set(db.session.scalars(select(column).distinct())), key=str.lower)


def _editor(article: Article | None, draft: ArticleInput, slug: str | None, language: str | None):
    translations = list(db.session.scalars(select(Article).where(
        Article.slug == slug, Article.language != language).order_by(Article.language))) if slug else []
    taken = {language, *(t.language for t in translations)}
    return ArticleEditor(
        article=article, draft=draft, translations=translations,
        missing_languages=[code for code in languages() if code not in taken] if article else [],
        category_names=_names(KbCategory.name), section_names=_names(KbSection.name))


def article_editor(article_id: int) -> ArticleEditor:
    """The edit page of one article; NotFoundError when it does not exist (any more)."""
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFoundError(NOT_FOUND)
    draft = ArticleInput(title=article.title, slug=article.slug, body=article.body, language=article.language,
                         status=article.status, visibility=article.visibility, tags=tuple(article.tags or ()),
                         category=article.category.name if article.category else "",
                         section=article.section.name if article.section else "")
    return _editor(article, draft, article.slug, article.language)


def new_article_editor(*, translation_of: int | None = None, language: str | None = None) -> ArticleEditor:
    """The new-article page. As a translation of another article (translation_of, into `language`),
    the form starts with its slug, category, section, tags and visibility, as a draft."""
    language = language if language in languages() else languages()[0]
    draft = ArticleInput(title="", slug="", body="", language=language)
    source = db.session.get(Article, translation_of) if translation_of else None
    if source is not None:
        draft = replace(draft, slug=source.slug, visibility=source.visibility, tags=tuple(source.tags or ()),
                        category=source.category.name if source.category else "",
                        section=source.section.name if source.section else "")
    return _editor(None, draft, draft.slug, language)


def preview(markdown_text: str) -> str:
    """The article body as the help center will show it: knowledge_base.rendering's sanitised HTML."""
    if len(markdown_text) > MAX_BODY_CHARS:
        raise TooLongError(f"The article is longer than {MAX_BODY_CHARS:,} characters.", field="body")
    return rendering.render(markdown_text)
