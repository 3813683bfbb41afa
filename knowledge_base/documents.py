"""What the index knows of an article: a plain record the application builds from its database row."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge_base.analysis import Weighted
from knowledge_base.weights import FIELD_WEIGHTS


@dataclass(frozen=True)
class ArticleDocument:
    """One published article as indexed. `version` changes on every edit (reconciliation compares it)."""

    article_id: int
    version: int
    language: str
    slug: str
    title: str
    text: str  # the body as plain text (Markdown rendered, tags stripped): indexed and used for snippets
    tags: tuple[str, ...] = ()
    category: str = ""
    visibility: str = "public"
    extra: dict = field(default_factory=dict)

    def fields(self) -> dict:
        """The Whoosh document for this article."""
        weights = FIELD_WEIGHTS
        content = Weighted(((self.title, weights["title"]), (" , ".join(self.tags), weights["tags"]),
                            (self.text, weights["body"])))
        return {
            "article_id": str(self.article_id), "version": self.version, "slug": self.slug,
            "title": self.title, "body": self.text, "tags": list(self.tags), "content": content,
            "category": self.category or "-", "visibility": self.visibility,
            "words": " ".join((self.title, self.text, *self.tags)),
        }


def from_markdown(*, article_id: int, version: int, language: str, slug: str, title: str, markdown: str,
                  tags: tuple[str, ...] = (), category: str = "", visibility: str = "public") -> ArticleDocument:
    """The document for an article given as Markdown (rendered and flattened to text here)."""
    from knowledge_base.rendering import plain_text, render

    return ArticleDocument(article_id, version, language, slug, title, plain_text(render(markdown)), tuple(tags),
                           category, visibility)
