"""Articles: write, publish, delete; import and export as Markdown files (knowledge_base/transfer.py).

Every change renders the Markdown to sanitised HTML once, here; pages show `body_html` as it is.
The index follows commits on its own (app/services/knowledge/index_sync.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import Article, KbCategory, KbSection
from app.models.article import MAX_BODY_CHARS, STATUSES, VISIBILITIES
from app.models.base import utcnow
from app.services.errors import ConflictError, DomainError, NotFoundError, StaleEditError
from app.services.platform import audit
from app.services.platform.audit import Actor
from knowledge_base import rendering, transfer
from knowledge_base.analysis import fold
from knowledge_base.transfer import MAX_TAG_CHARS, MAX_TAGS, ArticleFile, ArticleFileError

NOT_FOUND = "No such article."
MAX_NAME_CHARS = 100  # categories and sections


@dataclass(frozen=True)
class ArticleInput:
    """What an editor (or an import file) says an article is."""

    title: str
    slug: str
    body: str
    language: str
    status: str = "draft"
    visibility: str = "public"
    category: str = ""
    section: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def slugify(text: str) -> str:
    """A URL slug for a name: "Shipping and delivery" -> "shipping-and-delivery" (accents dropped)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:120] or "general"


def languages() -> list[str]:
    """The help center's languages, the default first."""
    return list(current_app.config["HELPDESK_KB_LANGUAGES"])


def _validate(data: ArticleInput) -> None:
    if not data.title.strip():
        raise DomainError("Give the article a title.", field="title")
    if len(data.title) > 200:
        raise DomainError("Keep the title under 200 characters.", field="title")
    if not transfer.SLUG.fullmatch(data.slug or ""):
        raise DomainError("The slug must be lowercase words joined by hyphens, like track-your-order.", field="slug")
    if data.language not in languages():
        raise DomainError(f"The language must be one of {', '.join(languages())}.", field="language")
    if data.status not in STATUSES or data.visibility not in VISIBILITIES:
        raise DomainError("Unknown status or visibility.", field="status")
    if len(data.body) > MAX_BODY_CHARS:
        raise DomainError(f"The article is longer than {MAX_BODY_CHARS:,} characters.", field="body")
    for name in ("category", "section"):  # the columns hold 100 (SQLite would not say so, PostgreSQL would fail)
        if len(getattr(data, name).strip()) > MAX_NAME_CHARS:
            raise DomainError(f"Keep the {name} name under {MAX_NAME_CHARS} characters.", field=name)
    if len(data.tags) > MAX_TAGS or any(len(tag) > MAX_TAG_CHARS for tag in data.tags):
        raise DomainError(f"Use at most {MAX_TAGS} tags of up to {MAX_TAG_CHARS} characters each.", field="tags")


def _category(language: str, name: str) -> KbCategory | None:
    if not name.strip():
        return None
    slug = slugify(name)
    category = db.session.scalar(select(KbCategory).where(KbCategory.language == language, KbCategory.slug == slug))
    if category is None:
        position = db.session.scalar(select(func.count()).select_from(KbCategory)
                                     .where(KbCategory.language == language))
        category = KbCategory(language=language, slug=slug, name=name.strip(), position=position)
        db.session.add(category)
        db.session.flush()
    return category


def _section(category: KbCategory | None, name: str) -> KbSection | None:
    if category is None or not name.strip():
        return None
    slug = slugify(name)
    section = next((s for s in category.sections if s.slug == slug), None)
    if section is None:
        section = KbSection(slug=slug, name=name.strip(), position=len(category.sections))
        category.sections.append(section)
        db.session.flush()
    return section


def _apply(article: Article, data: ArticleInput, *, by: Actor) -> bool:
    """Copy the input onto the row; whether anything changed."""
    category = _category(data.language, data.category)
    section = _section(category, data.section)
    body = data.body.strip() + "\n"  # as a file holds it: an export imported again changes nothing
    html = rendering.render(body)
    values = {
        "title": data.title.strip(), "slug": data.slug, "language": data.language, "body": body,
        "body_html": html, "summary": rendering.summary(rendering.plain_text(html)), "tags": list(data.tags),
        "status": data.status, "visibility": data.visibility,
        "category_id": category.id if category else None, "section_id": section.id if section else None,
    }
    changed = any(getattr(article, name) != value for name, value in values.items())
    if changed:
        for name, value in values.items():
            setattr(article, name, value)
        if data.status == "published" and article.published_at is None:
            article.published_at = utcnow()
        article.updated_by_id = by.id if by.type == "agent" else None
    return changed


def _existing(language: str, slug: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.language == language, Article.slug == slug))


def save_article(data: ArticleInput, *, by: Actor, article_id: int | None = None,
                 expected_version: int | None = None) -> Article:
    """Create an article (article_id None) or change one; publishing, unpublishing and editing
    reach the search index with the commit. An edit made on an older version is refused."""
    _validate(data)
    if article_id is None:
        if _existing(data.language, data.slug):
            raise ConflictError("Another article in this language already has that slug.", field="slug")
        article = Article(created_by_id=by.id if by.type == "agent" else None)
    else:
        article = db.session.get(Article, article_id)
        if article is None:
            raise NotFoundError(NOT_FOUND)
        if expected_version is not None and article.version != expected_version:
            raise StaleEditError("Someone changed this article after you opened it.")
        other = _existing(data.language, data.slug)
        if other is not None and other.id != article.id:
            raise ConflictError("Another article in this language already has that slug.", field="slug")
    _apply(article, data, by=by)
    db.session.add(article)
    audit.record("article.saved", actor=by, target=article, details={"status": data.status})
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleEditError("Someone changed this article after you opened it.") from None
    return article


def delete_article(article_id: int, *, by: Actor) -> None:
    """Delete an article (and its votes and views); it leaves the index with the commit."""
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFoundError(NOT_FOUND)
    audit.record("article.deleted", actor=by, target=article, details={"slug": article.slug})
    db.session.delete(article)
    db.session.commit()


def import_articles(items: Iterable[ArticleFile | ArticleFileError], *, by: Actor) -> ImportReport:
    """Upsert articles by (slug, language) from parsed files; a file that cannot be used is
    reported with its reason and the others still land (one commit at the end)."""
    report = ImportReport()
    for item in items:
        if isinstance(item, ArticleFileError):
            report.failed.append((item.path, item.reason))
            continue
        data = ArticleInput(title=item.title, slug=item.slug, body=item.body, language=item.language,
                            status=item.status, visibility=item.visibility, category=item.category,
                            section=item.section, tags=item.tags)
        try:
            _validate(data)
        except DomainError as exc:
            report.failed.append((item.path or f"{item.language}/{item.slug}", exc.message))
            continue
        article = _existing(data.language, data.slug)
        if article is None:
            article = Article(created_by_id=None)
            _apply(article, data, by=by)  # before add: its lookups would flush a row without a title
            db.session.add(article)
            report.created += 1
        elif _apply(article, data, by=by):
            report.updated += 1
        else:
            report.unchanged += 1
        db.session.flush()
    audit.record("articles.imported", actor=by, details={"created": report.created, "updated": report.updated,
                                                          "failed": len(report.failed)})
    db.session.commit()
    return report


def import_directory(directory: str | Path, *, by: Actor) -> ImportReport:
    """Import every *.md file under a directory (knowledge_base/transfer.py's format)."""
    return import_articles(transfer.read_dir(directory, default_language=languages()[0]), by=by)


def export_articles(directory: str | Path, *, language: str | None = None) -> int:
    """Write every article (drafts too) as directory/<language>/<slug>.md; how many."""
    query = select(Article).order_by(Article.language, Article.slug)
    if language:
        query = query.where(Article.language == language)
    count = 0
    for article in db.session.scalars(query):
        transfer.write(directory, ArticleFile(
            title=article.title, slug=article.slug, body=article.body, language=article.language,
            status=article.status, category=article.category.name if article.category else "",
            section=article.section.name if article.section else "", tags=tuple(article.tags or ()),
            visibility=article.visibility))
        count += 1
    return count
