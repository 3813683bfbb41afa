"""Fixtures for the knowledge_base package: the starter articles, documents and indexes built from them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import knowledge_base
from knowledge_base import documents, transfer
from knowledge_base.documents import ArticleDocument
from knowledge_base.index import KnowledgeIndex

ARTICLES = Path(knowledge_base.__file__).resolve().parent / "articles"
RELEVANCE_SET = Path(__file__).resolve().parent / "relevance_set.yml"
LANGUAGES = ("en", "pt", "nl")


@cache
def starter_articles(language: str) -> tuple[transfer.ArticleFile, ...]:
    """The starter articles of a language, in slug order (read once per test session)."""
    found = tuple(transfer.read_dir(ARTICLES / language, default_language=language))
    errors = [item for item in found if isinstance(item, transfer.ArticleFileError)]
    assert not errors, errors
    return found


def starter_documents(language: str) -> list[ArticleDocument]:
    """The index documents of a language's starter articles, article ids 1..n in slug order."""
    return [
        documents.from_markdown(article_id=number, version=1, language=language, slug=article.slug,
                                title=article.title, markdown=article.body, tags=article.tags,
                                category=article.category)
        for number, article in enumerate(starter_articles(language), start=1)
    ]


def make_doc(article_id: int, title: str, text: str = "", *, version: int = 1, language: str = "en",
             slug: str | None = None, tags: tuple[str, ...] = (), category: str = "",
             visibility: str = "public") -> ArticleDocument:
    """A document given as Markdown, with a slug made from its id unless given."""
    return documents.from_markdown(article_id=article_id, version=version, language=language,
                                   slug=slug or f"article-{article_id}", title=title, markdown=text, tags=tags,
                                   category=category, visibility=visibility)


def build_starter_index(root: Path, languages: tuple[str, ...] = LANGUAGES) -> KnowledgeIndex:
    index = KnowledgeIndex(root)
    for language in languages:
        index.rebuild(language, starter_documents(language))
    return index


@pytest.fixture(scope="module")
def starter_index(tmp_path_factory) -> KnowledgeIndex:
    """An index of every starter article (en, pt, nl), built once per test module: do not write to it."""
    return build_starter_index(tmp_path_factory.mktemp("starter-index"))


@pytest.fixture
def index(tmp_path) -> KnowledgeIndex:
    """An empty index of this test's own."""
    return KnowledgeIndex(tmp_path / "index")
