"""What the help center shows: categories with their sections and articles, one article with its
translations and related articles, and the list of public pages for the sitemap."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Article, KbCategory, KbSection
from app.services.errors import NotFoundError
from app.services.knowledge import search
from knowledge_base.index import IndexMissing

PUBLIC_ARTICLE = (Article.status == "published") & (Article.visibility == "public")


@dataclass(frozen=True)
class SectionPage:
    section: KbSection | None
    articles: list[Article]


@dataclass(frozen=True)
class CategoryPage:
    category: KbCategory
    sections: list[SectionPage]

    @property
    def article_count(self) -> int:
        return sum(len(s.articles) for s in self.sections)


def _public(language: str):
    return select(Article).where(PUBLIC_ARTICLE, Article.language == language)


def categories(language: str) -> list[CategoryPage]:
    """Every category of a language that has public articles, in order, with its sections' articles."""
    articles = db.session.scalars(_public(language).order_by(Article.position, Article.title)).all()
    by_section: dict[tuple[int | None, int | None], list[Article]] = {}
    for article in articles:
        by_section.setdefault((article.category_id, article.section_id), []).append(article)
    pages = []
    for category in db.session.scalars(select(KbCategory).where(KbCategory.language == language)
                                       .order_by(KbCategory.position, KbCategory.name)):
        sections = [SectionPage(s, by_section.get((category.id, s.id), [])) for s in category.sections]
        loose = by_section.get((category.id, None), [])
        if loose:
            sections.append(SectionPage(None, loose))
        sections = [s for s in sections if s.articles]
        if sections:
            pages.append(CategoryPage(category, sections))
    return pages


def category(language: str, slug: str) -> CategoryPage:
    """One category's page; NotFoundError when it has no public article."""
    for page in categories(language):
        if page.category.slug == slug:
            return page
    raise NotFoundError("No such category.")


def article(language: str, slug: str) -> Article:
    """A public, published article; NotFoundError otherwise (drafts and internal ones included)."""
    found = db.session.scalar(_public(language).where(Article.slug == slug))
    if found is None:
        raise NotFoundError("No such article.")
    return found


def translations(article: Article) -> dict[str, str]:
    """language -> title of the same article (same slug) published in other languages."""
    rows = db.session.execute(select(Article.language, Article.title).where(
        PUBLIC_ARTICLE, Article.slug == article.slug, Article.language != article.language))
    return dict(rows.all())


def related(article: Article, limit: int = 4) -> list[Article]:
    """Articles on nearby subjects: a search for this one's title and tags, then its section."""
    ids: list[int] = []
    try:
        hits = search.suggest_articles(" ".join([article.title, *article.tags[:3]]) + " ",
                                          language=article.language, limit=limit + 1)
        ids = [h.article_id for h in hits if h.article_id != article.id][:limit]
    except (search.SearchUnavailable, IndexMissing):
        ids = []
    if len(ids) < limit and article.section_id:
        ids += list(db.session.scalars(select(Article.id).where(
            PUBLIC_ARTICLE, Article.section_id == article.section_id, Article.id != article.id,
            Article.id.not_in(ids or [0])).limit(limit - len(ids))))
    if not ids:
        return []
    rows = {a.id: a for a in db.session.scalars(_public(article.language).where(Article.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def by_ids(language: str, ids: list[int]) -> dict[int, Article]:
    """Public articles by id (to show search hits with their category)."""
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(_public(language).where(Article.id.in_(ids)))}


def sitemap() -> list[tuple[str, str, object]]:
    """(language, slug, updated_at) of every public article."""
    return db.session.execute(select(Article.language, Article.slug, Article.updated_at)
                              .where(PUBLIC_ARTICLE).order_by(Article.language, Article.slug)).all()
