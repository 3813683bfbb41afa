"""The knowledge base: categories and sections, articles (Markdown), votes, and the search log.

Articles are the source of truth; the search index under HELPDESK_DATA_DIR is a cache of the
published ones (app/services/knowledge/index_sync.py keeps it in step). Translations share a slug: the same
slug in another language is the same article translated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, UTCDateTime, utcnow

STATUSES = ("draft", "published")
VISIBILITIES = ("public", "internal")
SEARCH_SOURCES = ("help_center", "widget", "request_form", "api", "console")
MAX_BODY_CHARS = 200_000


class KbCategory(TimestampMixin, db.Model):
    """A top-level group of articles in one language ("Shipping and delivery")."""

    __tablename__ = "kb_categories"
    __table_args__ = (UniqueConstraint("language", "slug", name="uq_kb_categories_language_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    slug: Mapped[str] = mapped_column(String(120), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    position: Mapped[int] = mapped_column(nullable=False, default=0)

    sections = relationship("KbSection", back_populates="category", order_by="KbSection.position",
                            cascade="all, delete-orphan")


class KbSection(TimestampMixin, db.Model):
    """A group of articles inside a category ("Delivery problems")."""

    __tablename__ = "kb_sections"
    __table_args__ = (UniqueConstraint("category_id", "slug", name="uq_kb_sections_category_id_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_categories.id", ondelete="CASCADE"), nullable=False)
    slug: Mapped[str] = mapped_column(String(120), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    position: Mapped[int] = mapped_column(nullable=False, default=0)

    category = relationship("KbCategory", back_populates="sections")


class Article(TimestampMixin, db.Model):
    """One article in one language. `body` is Markdown; `body_html` its sanitised rendering.

    `version` is bumped by every update (SQLAlchemy's version counter): the index stores it, so
    reconciliation can tell a stale entry, and an edit made on an older version is refused.
    """

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("language", "slug", name="uq_articles_language_slug"),
        Index("ix_articles_status_language", "status", "language"),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        CheckConstraint("visibility IN ('public', 'internal')", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    slug: Mapped[str] = mapped_column(String(120), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="public")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id", ondelete="SET NULL"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("kb_sections.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    views: Mapped[int] = mapped_column(nullable=False, default=0)
    helpful_count: Mapped[int] = mapped_column(nullable=False, default=0)
    not_helpful_count: Mapped[int] = mapped_column(nullable=False, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}

    category = relationship("KbCategory")
    section = relationship("KbSection")

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.language}/{self.slug} {self.status}>"


class ArticleVote(TimestampMixin, db.Model):
    """One visitor's answer to "Was this helpful?": one per article and visitor, changeable."""

    __tablename__ = "article_votes"
    __table_args__ = (UniqueConstraint("article_id", "visitor_key", name="uq_article_votes_article_id_visitor_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), nullable=False)
    visitor_key: Mapped[str] = mapped_column(String(64), nullable=False)
    helpful: Mapped[bool] = mapped_column(nullable=False)


class KbSearch(db.Model):
    """A search someone made, what it found, and which result (if any) they opened."""

    __tablename__ = "kb_searches"
    __table_args__ = (
        Index("ix_kb_searches_created_at", "created_at"),
        Index("ix_kb_searches_visitor_key_created_at", "visitor_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    query: Mapped[str] = mapped_column(String(200), nullable=False)
    results: Mapped[int] = mapped_column(nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    visitor_key: Mapped[str | None] = mapped_column(String(64))
    clicked_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class KbArticleView(db.Model):
    """An article read: by whom (the visitor key of the help center or widget), from where."""

    __tablename__ = "kb_article_views"
    __table_args__ = (
        Index("ix_kb_article_views_article_id_created_at", "article_id", "created_at"),
        Index("ix_kb_article_views_visitor_key_created_at", "visitor_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), nullable=False)
    visitor_key: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    search_id: Mapped[int | None] = mapped_column(ForeignKey("kb_searches.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class KbSynonymGroup(TimestampMixin, db.Model):
    """Words that mean the same to customers, for one language: "refund, money back, reimburse"."""

    __tablename__ = "kb_synonym_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(2), nullable=False, index=True)
    terms: Mapped[str] = mapped_column(String(500), nullable=False)


class KbContact(db.Model):
    """A visitor who asked a person (a request, a chat) after using the help center: what tells a
    search that helped from one that did not (deflection), by the same anonymous visitor key."""

    __tablename__ = "kb_contacts"
    __table_args__ = (Index("ix_kb_contacts_visitor_key_created_at", "visitor_key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_key: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # ticket or chat
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
